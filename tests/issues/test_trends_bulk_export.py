"""Trends, bulk triage, CSV export and comments in the native API, with bounded query counts."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.models import Membership, User
from tests.support.api import patch_json, post_json

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)


@pytest.fixture
def report(send_errors):
    """HealthGuard error events of the given (fingerprint, time) pairs, in one batch."""
    return lambda *events: send_errors(
        *(
            {"fingerprint": fp, "message": f"failure {fp}", "timestamp": int(when.timestamp() * 1000)}
            for fp, when in events
        )
    )


def ids_by_fingerprint(owner):
    return {issue["fingerprint"]: issue["id"] for issue in owner.get("/api/v1/issues/?limit=100").json()["results"]}


def test_stats_are_hourly_or_daily_with_zeros_filled(owner, report):
    with time_machine.travel(NOON, tick=False):
        report(("js:a", NOON - timedelta(hours=3)), ("js:a", NOON - timedelta(hours=3)), ("js:a", NOON))
        report(("js:a", NOON - timedelta(days=3)))
        url = f"/api/v1/issues/{ids_by_fingerprint(owner)['js:a']}/stats/"

        hourly = owner.get(url, {"period": "24h"}).json()
        daily = owner.get(url, {"period": "14d"}).json()
        month = owner.get(url, {"period": "30d"}).json()
        bad = owner.get(url, {"period": "1y"})

    assert len(hourly) == 24
    assert hourly[0]["start"] == "2026-03-01T13:00:00Z" and hourly[-1]["start"] == "2026-03-02T12:00:00Z"
    assert [(b["start"], b["count"]) for b in hourly if b["count"]] == [
        ("2026-03-02T09:00:00Z", 2),
        ("2026-03-02T12:00:00Z", 1),
    ]
    assert sum(b["count"] for b in hourly) == 3
    assert len(daily) == 14 and daily[-1] == {"start": "2026-03-02T00:00:00Z", "count": 3}
    assert daily[-4] == {"start": "2026-02-27T00:00:00Z", "count": 1}
    assert len(month) == 30 and sum(b["count"] for b in month) == 4
    assert (bad.status_code, list(bad.json()["fields"])) == (400, ["period"])


def test_the_list_carries_each_issues_series_in_one_query(owner, report, django_assert_max_num_queries):
    with time_machine.travel(NOON, tick=False):
        report(*((f"js:{n}", NOON - timedelta(hours=n % 5)) for n in range(20)))
        with django_assert_max_num_queries(4):
            listed = owner.get("/api/v1/issues/", {"stats_period": "24h"}).json()["results"]
        with django_assert_max_num_queries(4):
            daily = owner.get("/api/v1/issues/", {"stats_period": "14d", "query": "is:unresolved"}).json()["results"]
        bad = owner.get("/api/v1/issues/", {"stats_period": "5m"})

    assert len(listed) == 20
    series = {issue["fingerprint"]: issue["stats"] for issue in listed}
    assert all(len(s) == 24 for s in series.values())
    assert series["js:3"][-4]["count"] == 1 and sum(b["count"] for b in series["js:3"]) == 1
    assert {issue["fingerprint"]: issue["stats"][-1]["count"] for issue in daily}["js:7"] == 1
    assert (bad.status_code, list(bad.json()["fields"])) == (400, ["stats_period"])


def test_issue_page_tags_and_activity_have_bounded_queries(owner, report, django_assert_max_num_queries):
    report(*(("js:a", datetime.now(UTC)) for _ in range(5)))
    url = f"/api/v1/issues/{ids_by_fingerprint(owner)['js:a']}/"
    for n in range(5):
        patch_json(owner, url, {"status": "resolved" if n % 2 else "unresolved", "assignee": "owner@example.com"})
        post_json(owner, f"{url}comments/", {"text": f"note {n}"})

    with django_assert_max_num_queries(3):
        assert owner.get(url).json()["event_count"] == 5
    with django_assert_max_num_queries(3):
        assert {tag["key"] for tag in owner.get(f"{url}tags/").json()} >= {"level", "platform", "user"}
    with django_assert_max_num_queries(4):
        assert len(owner.get(f"{url}activity/").json()["results"]) >= 10
    with django_assert_max_num_queries(4):
        assert len(owner.get(f"{url}comments/").json()["results"]) == 5
    with django_assert_max_num_queries(3):
        assert len(owner.get(f"{url}stats/").json()) == 24


def test_comments_with_their_author_and_only_the_author_deletes(owner, stranger, report):
    report(("js:a", datetime.now(UTC)))
    url = f"/api/v1/issues/{ids_by_fingerprint(owner)['js:a']}/"

    created = post_json(owner, f"{url}comments/", {"text": "Looks like the cart total again"})
    assert created.status_code == 201, created.content
    comment = created.json()
    assert comment["author"]["email"] == "owner@example.com" and comment["text"] == "Looks like the cart total again"
    assert owner.get(f"{url}comments/").json()["results"] == [comment]
    empty = post_json(owner, f"{url}comments/", {})
    assert (empty.status_code, list(empty.json()["fields"])) == (400, ["text"])
    assert post_json(stranger, f"{url}comments/", {"text": "mine"}).status_code == 404

    # A second member of the project may read but not delete the owner's comment.
    project_id = owner.get(url).json()["project"]
    Membership.objects.create(project_id=project_id, user=User.objects.get(email="stranger@example.com"))
    assert stranger.delete(f"{url}comments/{comment['id']}/").status_code == 403
    assert owner.delete(f"{url}comments/{comment['id']}/").status_code == 204
    assert owner.get(f"{url}comments/").json()["results"] == []
    kinds = [a["kind"] for a in owner.get(f"{url}activity/").json()["results"]]
    assert kinds == ["comment_deleted", "commented", "first_seen"]


def test_bulk_patch_changes_each_issue_with_its_own_audit_row(owner, report):
    now = datetime.now(UTC)
    report(("js:a", now), ("js:b", now), ("js:b", now), ("js:c", now))
    ids = ids_by_fingerprint(owner)
    query = f"?id={ids['js:a']}&id={ids['js:b']}"

    ignored = owner.patch(
        f"/api/v1/issues/{query}",
        '{"status": "ignored", "status_details": {"ignore_count": 10}, "assignee": "owner@example.com"}',
        content_type="application/json",
    )

    assert ignored.status_code == 200, ignored.content
    assert {(i["status"], i["assignee"]["email"]) for i in ignored.json()["results"]} == {
        ("ignored", "owner@example.com")
    }
    for fingerprint in ("js:a", "js:b"):
        kinds = [a["kind"] for a in owner.get(f"/api/v1/issues/{ids[fingerprint]}/activity/").json()["results"]]
        assert kinds[:2] == ["assigned", "ignored"]
    assert owner.get(f"/api/v1/issues/{ids['js:c']}/").json()["status"] == "unresolved"

    merged = patch_json(owner, f"/api/v1/issues/{query}", {"merge": True})
    assert [i["id"] for i in merged.json()["results"]] == [ids["js:b"]]  # the one with most events
    assert owner.get(f"/api/v1/issues/{ids['js:b']}/").json()["event_count"] == 3

    for bad_query, body, field in (
        ("", {"status": "resolved"}, "id"),
        ("?id=x", {"status": "resolved"}, "id"),
        ("?id=999999", {"status": "resolved"}, "id"),
        (f"?id={ids['js:c']}", {}, "status"),
        (f"?id={ids['js:c']}", {"status": "resolved", "status_details": {"ignore_count": 1}}, "status_details"),
    ):
        response = patch_json(owner, f"/api/v1/issues/{bad_query}", body)
        assert (response.status_code, list(response.json()["fields"])) == (400, [field]), (bad_query, body)


def test_csv_export_of_issues_and_events_with_the_list_filters(owner, report, settings):
    now = datetime.now(UTC)
    report(("js:a", now), ("js:a", now), ("js:b", now))
    ids = ids_by_fingerprint(owner)
    patch_json(owner, f"/api/v1/issues/{ids['js:b']}/", {"status": "resolved"})

    def rows(url, **params):
        response = owner.get(url, {"format": "csv", **params})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv") and response.streaming
        return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    issues = rows("/api/v1/issues/", query="is:unresolved")
    assert [(r["fingerprint"], r["event_count"], r["status"], r["substatus"]) for r in issues] == [
        ("js:a", "2", "unresolved", "new")
    ]
    events = rows("/api/v1/events/", issue=ids["js:a"])
    assert len(events) == 2 and all(r["fingerprint"] == "js:a" for r in events)
    assert {r["issue"] for r in events} == {str(ids["js:a"])}

    settings.ERRORHUB_EXPORT_MAX_ROWS = 2
    assert len(rows("/api/v1/events/")) == 2
    bad = owner.get("/api/v1/issues/", {"format": "csv", "query": "is:sleeping"})
    assert (bad.status_code, list(bad.json()["fields"])) == (400, ["query"])


def test_the_triage_api_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in ("activity", "comments", "merge", "unmerge", "stats", "tags"):
        assert f"/api/v1/issues/{{id}}/{path}/" in paths
    assert "patch" in paths["/api/v1/issues/"]
    listed = {p["name"] for p in paths["/api/v1/issues/"]["get"]["parameters"]}
    assert {"query", "sort", "substatus", "assignee", "stats_period", "format"} <= listed
