"""A service's owner searches Eventsum bases, reads histograms and moves bases into groups."""

import copy

import pytest

from accounts.models import Project
from issues.models import EventGroup, Issue, IssueActivity
from tests.conftest import load_fixture
from tests.support.api import create_app, post_json

pytestmark = pytest.mark.django_db

WINDOW = "start_time=2017-12-13 21:00:00&end_time=2017-12-13 22:00:00"


def capture(client, timestamp="2017-12-13 21:23:10", message=None, service="WISH FE", **changes):
    body = copy.deepcopy(load_fixture("eventsum_capture.json"))
    body.update(timestamp=timestamp, service=service, **changes)
    if message is not None:
        body["event_data"]["message"] = message
    # A person's service takes captures with its key; a new name is created by open ingest.
    project = Project.objects.filter(name=service).first()
    response = post_json(client, "/capture", body, **({"HTTP_X_ERRORHUB_KEY": project.app_key} if project else {}))
    assert response.status_code == 200, response.content
    return Issue.objects.get(project__name=service, title=f"{body['event_name']}: {body['event_data']['message']}")


@pytest.fixture
def service(owner):
    return Project.objects.get(app_key=create_app(owner, "WISH FE", type="other"))


def search(user_client, query=""):
    response = user_client.get(f"/search?{WINDOW}&{query}")
    assert response.status_code == 200, response.content
    return response.json()["events"]


def test_search_filters_by_service_hash_group_environment_and_keywords(client, owner, service):
    division = capture(client, environment="PROD")
    lookup = capture(client, message="KeyError: 'user'", event_type="python3", environment="STAGE")
    group = EventGroup.objects.create(project=service, name="backend")
    Issue.objects.filter(pk=lookup.pk).update(group=group)
    prod, stage = (service.environments.get(name=name) for name in ("PROD", "STAGE"))

    assert {base["id"] for base in search(owner, f"service_id={service.id}")} == {division.id, lookup.id}
    assert [b["id"] for b in search(owner, f"hash={division.fingerprint}")] == [division.id]
    assert [b["id"] for b in search(owner, f"group_id={group.id}")] == [lookup.id]
    assert [b["id"] for b in search(owner, f"env_id={stage.id}")] == [lookup.id]
    assert [b["event_environment_id"] for b in search(owner, f"env_id={prod.id}")] == [prod.id]
    # Keywords match the event type or the message; a base matching both is listed once.
    assert [b["id"] for b in search(owner, "keywords=python3")] == [lookup.id]
    assert [b["id"] for b in search(owner, "keywords=modulo")] == [division.id]
    assert len(search(owner, "keywords=python")) == 2
    assert search(owner, "service_id=999999") == []


def test_the_default_window_is_the_last_hour(client, owner, service):
    capture(client)

    response = owner.get(f"/search?service_id={service.id}")

    assert response.json() == {"events": []}


def test_sort_recent_limit_and_increased(client, owner, service):
    steady = capture(client, timestamp="2017-12-13 21:05:00", message="steady")
    capture(client, timestamp="2017-12-13 21:50:00", message="steady")
    rising = capture(client, timestamp="2017-12-13 21:10:00", message="rising")
    for minute in (40, 41, 42):
        capture(client, timestamp=f"2017-12-13 21:{minute}:00", message="rising")
    capture(client, timestamp="2017-12-13 21:55:00", message="latest")
    latest = Issue.objects.get(title="ZeroDivisionError: latest")

    assert [b["id"] for b in search(owner, "sort=recent")] == [latest.id, steady.id, rising.id]
    assert [b["id"] for b in search(owner, "sort=recent&limit=1")] == [latest.id]
    assert [b["id"] for b in search(owner, "sort=increased")] == [rising.id, latest.id]
    (rising_row,) = [b for b in search(owner) if b["id"] == rising.id]
    assert rising_row["total_count"] == 4
    assert [point["count"] for point in rising_row["datapoints"]] == [1, 3]


def test_histogram_answers_one_base_in_the_window(client, owner, service):
    base = capture(client)
    capture(client, message="other")

    response = owner.get(f"/histogram?event_base_id={base.id}&{WINDOW}")

    assert response.status_code == 200
    (row,) = response.json()["histogram"]
    assert (row["id"], row["total_count"], row["datapoints"]) == (base.id, 1, [{"count": 1, "start": 1513200000000}])
    assert owner.get(f"/histogram?evt_id={base.id}&{WINDOW}").json()["histogram"][0]["id"] == base.id


def test_assign_group_takes_an_array_or_one_object(client, owner, service):
    first = capture(client, message="one")
    second = capture(client, message="two")
    group = EventGroup.objects.create(project=service, name="frontend")

    response = post_json(owner, "/assign_group", [{"event_id": first.id, "group_id": group.id}])
    assert (response.status_code, response.content) == (200, b"")
    response = post_json(owner, "/assign_group", {"event_id": second.id, "group_id": group.id})
    assert response.status_code == 200

    assert set(Issue.objects.filter(group=group).values_list("id", flat=True)) == {first.id, second.id}
    assert IssueActivity.objects.filter(kind="assigned_group").count() == 2
    assert [b["event_group_id"] for b in search(owner, f"group_id={group.id}")] == [group.id, group.id]


def test_one_unknown_id_changes_nothing(client, owner, service):
    base = capture(client)
    default_group = base.group_id
    group = EventGroup.objects.create(project=service, name="frontend")

    response = post_json(
        owner,
        "/assign_group",
        [{"event_id": base.id, "group_id": group.id}, {"event_id": base.id + 100, "group_id": group.id}],
    )
    assert response.status_code == 400
    assert response.json() == {"error": f"no event base with id {base.id + 100}", "field": "1.event_id"}

    response = post_json(owner, "/assign_group", [{"event_id": base.id, "group_id": group.id + 100}])
    assert response.json()["field"] == "0.group_id"

    base.refresh_from_db()
    assert base.group_id == default_group
    assert not IssueActivity.objects.filter(kind="assigned_group").exists()


def test_a_group_of_another_project_is_refused(client, owner, service):
    base = capture(client)
    assert post_json(owner, "/api/apps", {"name": "WISH BE", "type": "other"}).status_code == 201
    other = Project.objects.get(name="WISH BE")
    foreign = EventGroup.objects.get(project=other, name="default")

    response = post_json(owner, "/assign_group", [{"event_id": base.id, "group_id": foreign.id}])

    assert response.status_code == 400
    assert "does not belong" in response.json()["error"]
    base.refresh_from_db()
    assert base.group_id != foreign.id


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/search?service_id=abc", "service_id"),
        ("/search?group_id=1.5", "group_id"),
        ("/search?env_id=x", "env_id"),
        ("/search?limit=many", "limit"),
        ("/search?limit=0", "limit"),
        ("/search?sort=oldest", "sort"),
        ("/search?start_time=yesterday", "start_time"),
        ("/search?end_time=2017-12-13", "end_time"),
        ("/search?start_time=2017-12-14 00:00:00&end_time=2017-12-13 00:00:00", "start_time"),
        ("/search?service_id=99999999999999999999999", "service_id"),
        ("/detail", "event_id"),
        ("/detail?event_id=x", "event_id"),
        ("/detail?event_id=12345", "event_id"),
        ("/histogram", "event_base_id"),
        ("/histogram?event_base_id=1&start_time=x", "start_time"),
    ],
)
def test_bad_reads_get_a_4xx_naming_the_parameter(owner, url, field):
    response = owner.get(url)

    assert 400 <= response.status_code < 500
    assert response.json()["field"] == field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("[", "body"),
        ([], "body"),
        ("3", "body"),
        ([3], "0"),
        ([{"event_id": 1}], "0.group_id"),
        ([{"event_id": "1", "group_id": 1}], "0.event_id"),
        ([{"event_id": 1, "groupd_id": 2}], "0.group_id"),
        ([{"event_id": 2**70, "group_id": 1}], "0.event_id"),
    ],
)
def test_bad_assignments_get_a_400_naming_the_field(owner, body, field):
    response = post_json(owner, "/assign_group", body)

    assert response.status_code == 400
    assert response.json()["field"] == field


def test_reads_and_assignments_need_a_token_unless_the_legacy_api_is_open(client, owner, service, settings):
    base = capture(client)
    urls = [f"/search?{WINDOW}", f"/detail?event_id={base.events.get().id}", f"/histogram?event_base_id={base.id}"]
    for url in urls:
        assert client.get(url).status_code == 401, url
        assert client.get(url).json() == {"error": "Unauthorized"}
    assignment = [{"event_id": base.id, "group_id": base.group_id}]
    assert post_json(client, "/assign_group", assignment).status_code == 401

    settings.ERRORHUB_OPEN_LEGACY_API = True
    assert [b["id"] for b in client.get(f"/search?{WINDOW}").json()["events"]] == [base.id]
    assert client.get(urls[1]).status_code == 200
    assert post_json(client, "/assign_group", assignment).status_code == 200


def test_a_stranger_sees_nothing_of_the_service(client, stranger, service):
    base = capture(client)

    assert search(stranger) == []
    assert stranger.get(f"/detail?event_id={base.events.get().id}").status_code == 404
    response = post_json(stranger, "/assign_group", [{"event_id": base.id, "group_id": base.group_id}])
    assert response.status_code == 400


def test_search_only_lists_eventsum_issues_and_needs_few_queries(client, owner, service, django_assert_max_num_queries):
    for n in range(5):
        capture(client, message=f"error {n}", environment="PROD")
    app_key = service.app_key
    batch = load_fixture("healthguard_batch.json")
    batch["appKey"] = app_key
    for event in batch["events"]:
        event["appKey"] = app_key
    assert post_json(client, "/api/events/batch", batch).status_code == 202

    with django_assert_max_num_queries(8):
        events = search(owner)

    assert len(events) == 5
    assert all(event["event_type"] == "python" for event in events)
