"""The issue lifecycle: every change of an issue's state, from occurrences and from triage.

Two ways in, as Bugsink's IssueStateManager: the digest records occurrences (new issue,
counters, last seen, regression) in bulk, and people triage (resolve, ignore, reopen) from
the admin, the native API, the legacy APIs and webhooks. Each change writes its audit row
(IssueActivity) and is announced after commit (issues.announcements) for alerts.
"""

from django.db import transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from issues import announcements
from issues.models import DEFAULT_GROUP_NAME, EventGroup, Issue, IssueActivity

STATUS_ACTIVITY = {
    Issue.Status.RESOLVED: IssueActivity.Kind.RESOLVED,
    Issue.Status.IGNORED: IssueActivity.Kind.IGNORED,
    Issue.Status.UNRESOLVED: IssueActivity.Kind.REOPENED,
}
STATUS_ANNOUNCEMENT = {
    Issue.Status.RESOLVED: announcements.RESOLVED,
    Issue.Status.IGNORED: announcements.IGNORED,
    Issue.Status.UNRESOLVED: announcements.REOPENED,
}


def record_occurrences(events_by_issue):
    """Count digested events into their issues: {(project_id, fingerprint): [Event, ...]}.

    Creates the issues first seen here, raises counters and last seen, and reopens resolved
    issues that happen again (a regression). Runs inside the digest's transaction and returns
    {(project_id, fingerprint): Issue}.
    """
    project_ids = {project_id for project_id, _ in events_by_issue}
    default_groups = dict(
        EventGroup.objects.filter(project_id__in=project_ids, name=DEFAULT_GROUP_NAME).values_list("project_id", "id")
    )
    Issue.objects.bulk_create(
        [new_issue(key, events, default_groups.get(key[0])) for key, events in events_by_issue.items()],
        ignore_conflicts=True,
    )
    wanted = Q()
    for project_id in project_ids:
        wanted |= Q(project_id=project_id, fingerprint__in=[fp for pid, fp in events_by_issue if pid == project_id])
    # Locked in id order so concurrent digests never deadlock on the same issues.
    issues = {(i.project_id, i.fingerprint): i for i in Issue.objects.select_for_update().filter(wanted).order_by("id")}

    activities, new, regressed = [], [], []
    for key, events in events_by_issue.items():
        issue = issues[key]
        if issue.event_count == 0:
            activities.append(IssueActivity(issue=issue, kind=IssueActivity.Kind.FIRST_SEEN))
            new.append(issue.id)
        elif issue.status == Issue.Status.RESOLVED:
            activities.append(regress(issue, events[0]))
            regressed.append(issue.id)
        _count(issue, events)
    Issue.objects.bulk_update(
        issues.values(), ["event_count", "last_seen", "status", "resolved_at", "platform_distribution", "last_release"]
    )
    IssueActivity.objects.bulk_create(activities)
    announcements.announce(announcements.NEW_ISSUE, new)
    announcements.announce(announcements.REGRESSION, regressed)
    announcements.announce(announcements.OCCURRENCES, [issue.id for issue in issues.values()])
    return issues


def new_issue(key, events, group_id):
    """The issue a fingerprint's first events open; its title falls back to what they carry."""
    project_id, fingerprint = key
    first = events[0]
    data = first.data
    return Issue(
        project_id=project_id,
        fingerprint=fingerprint,
        title=(data.get("title") or first.message or first.exception_type or fingerprint)[:2000],
        culprit=(data.get("culprit") or "")[:500],
        level=first.level,
        source=first.source,
        error_type=(data.get("error_type") or first.exception_type)[:200],
        # first_seen is the first digested occurrence and never moves back (HealthGuard's rule);
        # last_seen starts there and the counting raises it to the newest.
        first_seen=min(e.timestamp for e in events),
        last_seen=min(e.timestamp for e in events),
        event_count=0,
        group_id=group_id,
        first_release=first.release,
        last_release=first.release,
    )


def regress(issue, event):
    """A resolved issue that happens again is unresolved again; returns its audit row."""
    issue.status = Issue.Status.UNRESOLVED
    issue.resolved_at = None
    return IssueActivity(issue=issue, kind=IssueActivity.Kind.REGRESSED, detail={"event_id": event.event_id})


def _count(issue, events):
    # Read, added and written back in Python: safe because the digest holds the row lock.
    distribution = dict(issue.platform_distribution)
    for event in events:
        if event.platform:
            distribution[event.platform] = distribution.get(event.platform, 0) + event.count
    issue.platform_distribution = distribution
    newest = max(events, key=lambda e: e.timestamp)
    issue.last_release = newest.release or issue.last_release
    issue.event_count = F("event_count") + sum(e.count for e in events)
    issue.last_seen = Greatest(F("last_seen"), Value(newest.timestamp, output_field=DateTimeField()))


@transaction.atomic
def set_status(issues, status, *, user=None, detail=None):
    """Resolve, ignore or reopen issues; those already in `status` are left alone. Returns how many changed."""
    status = Issue.Status(status)
    changing = list(Issue.objects.select_for_update().filter(pk__in=[i.pk for i in issues]).exclude(status=status))
    now = timezone.now()
    for issue in changing:
        issue.status = status
        issue.resolved_at = now if status == Issue.Status.RESOLVED else None
    Issue.objects.bulk_update(changing, ["status", "resolved_at"])
    IssueActivity.objects.bulk_create(
        IssueActivity(issue=issue, kind=STATUS_ACTIVITY[status], user=user, detail=detail or {}) for issue in changing
    )
    announcements.announce(STATUS_ANNOUNCEMENT[status], [issue.id for issue in changing])
    return len(changing)
