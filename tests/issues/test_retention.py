"""Old events, time buckets and activity are pruned; issues keep their counts; nothing undigested is lost."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import SessionToken
from accounts.tasks import delete_expired_tokens
from issues.models import Event, Issue, IssueActivity, IssueBucket
from issues.tasks import prune_events
from tests.support.api import create_app, patch_json, post_json
from tests.support.healthguard import event, seed_batch

pytestmark = pytest.mark.django_db


def report(client, app_key, *event_ids):
    batch = seed_batch(app_key)
    batch["events"] = [event(batch, eventId=event_id) for event_id in event_ids]
    post_json(client, "/api/events/batch", batch)


def age(event_ids, days):
    Event.objects.filter(event_id__in=event_ids).update(received_at=timezone.now() - timedelta(days=days))


def test_old_events_go_and_the_issue_keeps_its_count(client, owner, capsys):
    app_key = create_app(owner)
    report(client, app_key, "old-1", "old-2", "new")
    age(["old-1", "old-2"], days=91)

    call_command("prune_events")

    assert "deleted 2 events received more than 90 days ago" in capsys.readouterr().out
    assert list(Event.objects.values_list("event_id", flat=True)) == ["new"]
    issue = owner.get("/api/issues").json()["issues"][0]
    assert issue["eventCount"] == 3
    assert [e["eventId"] for e in owner.get(f"/api/issues/{issue['id']}").json()["events"]] == ["new"]


def test_undigested_events_are_never_pruned(client, owner):
    from errorhub.celery import app

    app.conf.task_always_eager = False  # stored, waiting for a worker
    report(client, create_app(owner), "waiting")
    app.conf.task_always_eager = True
    age(["waiting"], days=400)

    call_command("prune_events")

    assert Event.objects.filter(event_id="waiting", digested=False).exists()


def test_retention_can_be_turned_off_or_overridden(client, owner, settings):
    report(client, create_app(owner), "a")
    age(["a"], days=10)

    settings.ERRORHUB_EVENT_RETENTION_DAYS = 0
    assert prune_events.delay().get() == 0
    call_command("prune_events", "--days", "30")
    assert Event.objects.count() == 1
    call_command("prune_events", "--days", "7")
    assert Event.objects.count() == 0
    with pytest.raises(CommandError):
        call_command("prune_events", "--days", "-1")


def test_expired_tokens_are_deleted(client, owner, stranger):
    SessionToken.objects.filter(user__email="stranger@example.com").update(expires_at=timezone.now())

    assert delete_expired_tokens.delay().get() == 1
    assert owner.get("/api/auth/me").status_code == 200


def test_eventsum_search_still_counts_a_base_whose_events_were_pruned(client, owner):
    from tests.issues.test_eventsum_search import capture

    post_json(owner, "/api/apps", {"name": "WISH FE", "type": "other"})
    # Captured at a time inside the retention (its time bucket stays), received long ago.
    yesterday = timezone.now() - timedelta(days=1)
    base = capture(client, timestamp=f"{yesterday:%Y-%m-%d %H:%M:%S}")
    age([base.events.get().event_id], days=400)
    call_command("prune_events")

    start, end = yesterday - timedelta(hours=1), yesterday + timedelta(hours=1)
    window = f"start_time={start:%Y-%m-%d %H:%M:%S}&end_time={end:%Y-%m-%d %H:%M:%S}"
    response = owner.get(f"/search?{window}&service_id={base.project_id}")

    assert response.status_code == 200
    [listed] = response.json()["events"]
    assert (listed["id"], listed["total_count"], listed["instance_ids"]) == (base.id, 1, [])


def test_time_buckets_and_activity_beyond_retention_go_and_the_counters_stay(client, owner):
    batch = seed_batch(create_app(owner))
    now_ms = int(timezone.now().timestamp() * 1000)
    batch["events"] = [event(batch, eventId=event_id, timestamp=now_ms) for event_id in ("then", "now")]
    post_json(client, "/api/events/batch", batch)
    issue = Issue.objects.get()
    # Age the first occurrence, its share of the time series and its audit row by three months.
    three_months_ago = timezone.now() - timedelta(days=91)
    age(["then"], days=91)
    IssueBucket.objects.filter(issue=issue).update(count=1)
    IssueBucket.objects.create(issue=issue, start=three_months_ago.replace(second=0, microsecond=0), count=1)
    IssueActivity.objects.filter(issue=issue).update(created_at=three_months_ago)
    assert patch_json(owner, f"/api/v1/issues/{issue.id}/", {"status": "resolved"}).status_code == 200

    call_command("prune_events")

    assert list(IssueBucket.objects.values_list("count", flat=True)) == [1]
    assert list(IssueActivity.objects.values_list("kind", flat=True)) == ["resolved"]
    listed = owner.get("/api/issues").json()["issues"][0]
    assert (listed["eventCount"], listed["status"]) == (2, "resolved")
    seen = (issue.first_seen, issue.last_seen)
    issue.refresh_from_db()
    assert (issue.first_seen, issue.last_seen, issue.event_count) == (*seen, 2)  # the counters stay
