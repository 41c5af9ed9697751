"""The lifecycle rules on their own: what occurrences and triage do to an issue, its audit
trail and the announcements alerts subscribe to."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Project
from issues import announcements, lifecycle
from issues.models import Event, Issue, IssueActivity

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """Every announcement sent, as (kind, issue_ids)."""
    seen = []

    def receiver(sender, kind, issue_ids, **extra):
        seen.append((kind, issue_ids))

    announcements.issue_announced.connect(receiver)
    yield seen
    announcements.issue_announced.disconnect(receiver)


@pytest.fixture
def project():
    return Project.objects.create(name="Shop", slug="shop")


def occurrence(project, event_id, *, minutes_ago=0, **fields):
    return Event(
        project=project, source="sentry", event_id=event_id, timestamp=timezone.now() - timedelta(minutes=minutes_ago),
        fingerprint="checkout", data={"title": "TypeError: x is undefined", "culprit": "cart.js in total"}, **fields,
    )  # fmt: skip


def record(project, *events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return lifecycle.record_occurrences({(project.id, "checkout"): list(events)})[(project.id, "checkout")]


def test_first_occurrences_open_an_issue_titled_after_them(project, heard, django_capture_on_commit_callbacks):
    issue = record(
        project, occurrence(project, "a", minutes_ago=5, release="1.0"), occurrence(project, "b", release="1.1"),
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )  # fmt: skip
    issue.refresh_from_db()

    assert (issue.title, issue.culprit, issue.event_count) == ("TypeError: x is undefined", "cart.js in total", 2)
    assert issue.first_seen < issue.last_seen
    assert (issue.first_release, issue.last_release) == ("1.0", "1.1")
    assert list(issue.activities.values_list("kind", flat=True)) == [IssueActivity.Kind.FIRST_SEEN]
    assert heard == [("new_issue", [issue.id]), ("occurrences", [issue.id])]


def test_a_resolved_issue_that_happens_again_regresses(project, heard, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    issue = record(project, occurrence(project, "a"), django_capture_on_commit_callbacks=capture)
    with capture(execute=True):
        assert lifecycle.set_status([issue], Issue.Status.RESOLVED) == 1

    record(project, occurrence(project, "b"), django_capture_on_commit_callbacks=capture)
    issue.refresh_from_db()

    assert issue.status == Issue.Status.UNRESOLVED and issue.resolved_at is None
    assert issue.event_count == 2
    assert list(issue.activities.values_list("kind", flat=True)) == ["regressed", "resolved", "first_seen"]
    assert ("resolved", [issue.id]) in heard and ("regression", [issue.id]) in heard


def test_an_ignored_issue_stays_ignored_when_it_happens_again(project, heard, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    issue = record(project, occurrence(project, "a"), django_capture_on_commit_callbacks=capture)
    lifecycle.set_status([issue], Issue.Status.IGNORED)
    heard.clear()

    record(project, occurrence(project, "b"), django_capture_on_commit_callbacks=capture)
    issue.refresh_from_db()

    assert issue.status == Issue.Status.IGNORED
    assert heard == [("occurrences", [issue.id])]


def test_triage_changes_only_what_differs_and_audits_who(project, django_user_model, heard):
    person = django_user_model.objects.create_user(email="ada@example.com", password="correct-horse")
    open_issue = Issue.objects.create(
        project=project, fingerprint="a", source="sentry", first_seen=timezone.now(), last_seen=timezone.now()
    )
    resolved = Issue.objects.create(
        project=project, fingerprint="b", source="sentry", first_seen=timezone.now(), last_seen=timezone.now(),
        status=Issue.Status.RESOLVED,
    )  # fmt: skip

    assert lifecycle.set_status([open_issue, resolved], "resolved", user=person) == 1
    activity = IssueActivity.objects.get()
    assert (activity.issue, activity.kind, activity.user) == (open_issue, "resolved", person)


def test_announcements_wait_for_the_commit(project, heard, django_capture_on_commit_callbacks):
    issue = Issue.objects.create(
        project=project, fingerprint="a", source="sentry", first_seen=timezone.now(), last_seen=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lifecycle.set_status([issue], "ignored")
    assert heard == []
    for callback in callbacks:
        callback()
    assert heard == [("ignored", [issue.id])]


def test_a_failing_subscriber_never_undoes_the_change(project, django_capture_on_commit_callbacks):
    def broken(sender, **kwargs):
        raise RuntimeError("alert backend down")

    announcements.issue_announced.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            issue = lifecycle.record_occurrences({(project.id, "checkout"): [occurrence(project, "a")]})[
                (project.id, "checkout")
            ]
    finally:
        announcements.issue_announced.disconnect(broken)
    assert Issue.objects.filter(pk=issue.pk, event_count=1).exists()
