"""The queries behind every issue and event list and page."""

from django.db.models import Count, Q

from accounts.models import Project
from accounts.selectors import visible_projects
from issues.models import Event, Issue, Source


def visible_issues(user):
    return Issue.objects.filter(project__in=visible_projects(user))


def visible_events(user):
    return Event.objects.filter(project__in=visible_projects(user))


# HealthGuard: "open" is everything not archived; errorhub's ignored is HealthGuard's archived.
HEALTHGUARD_STATUS = {
    "open": ~Q(status=Issue.Status.IGNORED),
    "archived": Q(status=Issue.Status.IGNORED),
    "all": Q(),
}


def healthguard_issues(user, *, app_key="", platform="", status="open", start=None, end=None):
    issues = visible_issues(user).select_related("project").filter(HEALTHGUARD_STATUS[status])
    if app_key:
        issues = issues.filter(project__app_key=app_key)
    if platform:
        issues = issues.filter(platform_distribution__has_key=platform)
    if start is not None:
        issues = issues.filter(last_seen__gte=start)
    if end is not None:
        issues = issues.filter(last_seen__lte=end)
    return issues.order_by("-last_seen", "-id")


def healthguard_issue(user, issue_id):
    """An issue by HealthGuard id `<appKey>:<fingerprint>` (the fingerprint has colons too)."""
    app_key, _, fingerprint = issue_id.partition(":")
    return (
        visible_issues(user).select_related("project").filter(project__app_key=app_key, fingerprint=fingerprint).first()
    )


def healthguard_overview(user, *, app_key="", platform="", status="open", start=None, end=None):
    events = visible_events(user)
    if app_key:
        events = events.filter(project__app_key=app_key)
    if platform:
        events = events.filter(platform=platform)
    if start is not None:
        events = events.filter(timestamp__gte=start)
    if end is not None:
        events = events.filter(timestamp__lte=end)
    totals = events.aggregate(
        events=Count("id"),
        errors=Count("id", filter=Q(kind="error")),
        failedRequests=Count("id", filter=Q(kind="http", groupable=True)),
        affectedUsers=Count("user", distinct=True, filter=~Q(user="")),
    )
    totals["issues"] = healthguard_issues(
        user, app_key=app_key, platform=platform, status=status, start=start, end=end
    ).count()
    return totals


def latest_events(issue, limit):
    return issue.events.order_by("-timestamp", "-id")[:limit]


def legacy_visible_projects(user):
    """Legacy reads: user None means ERRORHUB_OPEN_LEGACY_API let a token-less request in."""
    return Project.objects.all() if user is None else visible_projects(user)


SENTRY_COLLECTOR_SOURCES = (Source.SENTRY_WEBHOOK, Source.GLITCHTIP_WEBHOOK)


def sentry_collector_errors(user):
    """The Sentry collector's error rows: webhook events, newest received first."""
    return (
        Event.objects.filter(project__in=legacy_visible_projects(user), source__in=SENTRY_COLLECTOR_SOURCES)
        .select_related("project", "issue")
        .order_by("-received_at", "-id")
    )


def event_by_event_id(project, event_id):
    return Event.objects.filter(project=project, event_id=event_id).first()


def issue_by_fingerprint(project, fingerprint):
    return Issue.objects.filter(project=project, fingerprint=fingerprint).first()
