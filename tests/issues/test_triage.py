"""Triage through the native API: resolve in a release, snooze until it matters, own an issue.

Events arrive as HealthGuard batches through the real ingest endpoint; people triage with
PATCH /api/v1/issues/<id>/ and read the issue back as a client would.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from issues import announcements
from issues.tasks import wake_snoozed_issues
from tests.support.api import TokenClient, patch_json, post_json

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def report(send_errors):
    return send_errors


@pytest.fixture
def issue_url(owner, report):
    report({})
    return f"/api/v1/issues/{owner.get('/api/v1/issues/').json()['results'][0]['id']}/"


@pytest.fixture
def heard():
    seen = []

    def receiver(sender, kind, issue_ids, **extra):
        seen.append(kind)

    announcements.issue_announced.connect(receiver)
    yield seen
    announcements.issue_announced.disconnect(receiver)


def state(owner, url):
    shown = owner.get(url).json()
    return shown["status"], shown["substatus"]


def activity_kinds(owner, url):
    return [a["kind"] for a in owner.get(f"{url}activity/").json()["results"]]


def test_a_new_issue_is_new_then_ongoing_once_triaged(owner, issue_url):
    assert state(owner, issue_url) == ("unresolved", "new")
    patch_json(owner, issue_url, {"status": "ignored"})
    assert state(owner, issue_url) == ("ignored", None)
    patch_json(owner, issue_url, {"status": "unresolved"})
    assert state(owner, issue_url) == ("unresolved", "ongoing")


def first_issue_url(owner):
    return f"/api/v1/issues/{owner.get('/api/v1/issues/').json()['results'][0]['id']}/"


def test_ignored_for_minutes_escalates_when_the_clock_passes_them(owner, report):
    with time_machine.travel(NOON, tick=False) as clock:
        report({})
        issue_url = first_issue_url(owner)
        ignored = patch_json(owner, issue_url, {"status": "ignored", "status_details": {"ignore_minutes": 30}})
        assert ignored.status_code == 200, ignored.content
        assert ignored.json()["status_details"] == {"ignore_minutes": 30}
        assert ignored.json()["ignore_until"] == "2026-03-02T12:30:00Z"

        clock.shift(timedelta(minutes=29))
        assert state(owner, issue_url) == ("ignored", None)
        clock.shift(timedelta(minutes=2))
        assert state(owner, issue_url) == ("unresolved", "escalating")
        assert activity_kinds(owner, issue_url) == ["escalating", "ignored", "first_seen"]


def test_the_snooze_beat_wakes_issues_nobody_reads(owner, report):
    with time_machine.travel(NOON, tick=False) as clock:
        report({})
        issue_url = first_issue_url(owner)
        patch_json(owner, issue_url, {"status": "ignored", "status_details": {"ignore_minutes": 5}})
        assert wake_snoozed_issues() == 0
        clock.shift(timedelta(minutes=6))
        assert wake_snoozed_issues() == 1
        assert owner.get(f"{issue_url}activity/").json()["results"][0]["detail"] == {"ignore_minutes": 5}


def test_ignored_for_n_more_events_escalates_on_the_nth(
    owner, report, issue_url, heard, django_capture_on_commit_callbacks
):
    patch_json(owner, issue_url, {"status": "ignored", "status_details": {"ignore_count": 2}})
    report({})
    assert state(owner, issue_url) == ("ignored", None)

    with django_capture_on_commit_callbacks(execute=True):
        report({})
    assert state(owner, issue_url) == ("unresolved", "escalating")
    assert owner.get(f"{issue_url}activity/").json()["results"][0]["detail"] == {"ignore_count": 2}
    assert "escalating" in heard  # announced after commit, for alerts


def test_ignored_for_n_more_users_escalates_on_the_nth_new_user(owner, report, issue_url):
    patch_json(owner, issue_url, {"status": "ignored", "status_details": {"ignore_user_count": 2}})
    report({}, {}, {"userId": "ada"})  # the first user again, then one new user
    assert state(owner, issue_url) == ("ignored", None)
    assert owner.get(issue_url).json()["users_affected"] == 2

    report({"userId": "grace"})
    assert state(owner, issue_url) == ("unresolved", "escalating")
    assert activity_kinds(owner, issue_url)[0] == "escalating"


def test_resolved_in_the_next_release_stays_resolved_for_old_release_events(owner, report):
    report({"release": "1.0"})
    url = first_issue_url(owner)
    resolved = patch_json(owner, url, {"status": "resolved", "status_details": {"in_next_release": True}})
    assert resolved.json()["status_details"] == {"in_next_release": True}

    report({"release": "1.0"}, {})
    assert state(owner, url) == ("resolved", None)
    assert owner.get(url).json()["event_count"] == 3

    report({"release": "1.1"})
    assert state(owner, url) == ("unresolved", "regressed")
    assert activity_kinds(owner, url)[:2] == ["regressed", "resolved"]


def test_resolved_in_a_release_reopens_on_that_release(owner, report):
    report({"release": "1.0"})
    url = first_issue_url(owner)
    patch_json(owner, url, {"status": "resolved", "status_details": {"in_release": "2.0"}})
    report({"release": "1.0"})
    assert state(owner, url) == ("resolved", None)
    report({"release": "2.0"})
    assert state(owner, url) == ("unresolved", "regressed")


def test_bad_status_details_are_a_400_naming_them(owner, issue_url):
    for body in (
        {"status": "ignored", "status_details": {"ignore_minutes": 0}},
        {"status": "ignored", "status_details": {"ignore_minutes": 5, "ignore_count": 5}},
        {"status": "ignored", "status_details": {"in_next_release": True}},
        {"status": "resolved", "status_details": {"in_next_release": "yes"}},
        {"status_details": {"ignore_count": 3}},
    ):
        response = patch_json(owner, issue_url, body)
        assert (response.status_code, list(response.json()["fields"])) == (400, ["status_details"]), body
    assert state(owner, issue_url) == ("unresolved", "new")


def test_assign_to_a_member_by_id_or_email(owner, stranger, issue_url):
    by_email = patch_json(owner, issue_url, {"assignee": "Owner@Example.com"})
    assert by_email.status_code == 200, by_email.content
    assert by_email.json()["assignee"]["email"] == "owner@example.com"
    owner_id = by_email.json()["assignee"]["id"]
    assert patch_json(owner, issue_url, {"assignee": owner_id}).json()["assignee"]["id"] == owner_id

    outsider = patch_json(owner, issue_url, {"assignee": "stranger@example.com"})
    assert (outsider.status_code, list(outsider.json()["fields"])) == (400, ["assignee"])
    unknown = patch_json(owner, issue_url, {"assignee": "nobody@example.com"})
    assert (unknown.status_code, list(unknown.json()["fields"])) == (400, ["assignee"])

    assert patch_json(owner, issue_url, {"assignee": None}).json()["assignee"] is None
    assert activity_kinds(owner, issue_url)[:2] == ["unassigned", "assigned"]


def test_only_members_see_or_change_an_issue(owner, stranger, issue_url):
    assert stranger.get(issue_url).status_code == 404
    assert patch_json(stranger, issue_url, {"status": "resolved"}).status_code == 404
    assert stranger.get(f"{issue_url}activity/").status_code == 404
    assert state(owner, issue_url) == ("unresolved", "new")


def test_a_read_only_token_reads_but_cannot_triage(owner, issue_url):
    created = post_json(owner, "/api/v1/tokens/", {"name": "dashboard", "scopes": ["read"]})
    reader = TokenClient(created.json()["token"])

    assert reader.get(issue_url).status_code == 200
    assert reader.get(f"{issue_url}activity/").status_code == 200
    issue_id = reader.get(issue_url).json()["id"]
    for response in (
        patch_json(reader, issue_url, {"status": "resolved"}),
        patch_json(reader, f"/api/v1/issues/?id={issue_id}", {"status": "resolved"}),
        post_json(reader, f"{issue_url}comments/", {"text": "seen"}),
        post_json(reader, f"{issue_url}merge/", {"issues": [issue_id]}),
    ):
        assert response.status_code == 403, response.content
    assert state(owner, issue_url) == ("unresolved", "new")
    assert activity_kinds(owner, issue_url) == ["first_seen"]
