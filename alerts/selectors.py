"""Reads behind the alerts API, the issue alert messages and the alerts page."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Sum
from django.urls import reverse

from accounts.selectors import visible_projects
from alerts.kapacitor import KapacitorClient
from alerts.models import MODELS, AlertDelivery, AlertRule, SyncStatus
from issues.models import Event, Issue, IssueBucket

# Links in alert messages without ERRORHUB_BASE_URL: a background task has no request to take
# the host from, so they point where `make run` serves.
UNSET_BASE_URL = "http://localhost:8000"


def alert_tasks(kind, app=None):
    """A kind's live tasks, by app (memory: by app, then task id), as the original's lists."""
    tasks = MODELS[kind].live.all()
    return tasks.filter(app=app) if app is not None else tasks


def alert_task(kind, app, dynotype=None):
    lookup = {"app": app, "dynotype": dynotype} if kind == "memory" else {"app": app}
    return MODELS[kind].live.filter(**lookup).first()


def can_manage_alert_tasks(user, kind):
    """Superusers, and staff given the kind's change permission in the admin."""
    model = MODELS[kind]
    return user.is_superuser or (
        user.is_staff and user.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}")
    )


def alert_state(row):
    """The level (OK, INFO, WARNING, CRITICAL) of the task's own alert topic, else "unknown".

    Topics are `main:<task id>:<node>`; the original took the first match of an unanchored
    glob (so `foo` could read `barfoo-5xx`) and crashed when there was none.
    """
    topics = KapacitorClient().alert_topics(f"*:{row.task_id}:*")
    levels = [topic["level"] for topic in topics if topic["id"].split(":")[1:2] == [row.task_id]]
    return levels[0] if levels else "unknown"


# Issue alert rules.


def visible_alert_rules(user):
    """Rules of the projects the user is a member of (every project's for a superuser)."""
    return AlertRule.objects.filter(project__in=visible_projects(user)).select_related("project")


def deliveries_of(rule):
    return rule.deliveries.all().order_by("-created_at", "-id")


def issue_url(issue_id):
    base = settings.ERRORHUB_BASE_URL.rstrip("/") or UNSET_BASE_URL
    return base + reverse("admin:issues_issue_change", args=[issue_id])


def newest_environments(issue_ids):
    """{issue id: the environment of its newest event} (one query per issue, on its index)."""
    return {
        issue_id: Event.objects.filter(issue_id=issue_id)
        .order_by("-timestamp")
        .values_list("environment", flat=True)
        .first()
        or ""
        for issue_id in issue_ids
    }


def issue_facts(issue_ids):
    """What a message says about each issue, in the order given."""
    issues = Issue.objects.filter(id__in=issue_ids).select_related("project").in_bulk()
    users = dict(
        Event.objects.filter(issue_id__in=issue_ids)
        .exclude(user="")
        .values("issue_id")
        .annotate(users=Count("user", distinct=True))
        .values_list("issue_id", "users")
    )
    environments = newest_environments(issues)
    return [
        {
            "id": issue.id,
            "title": issue.title or issue.fingerprint,
            "culprit": issue.culprit,
            "level": issue.level,
            "status": issue.status,
            "substatus": issue.substatus,
            "project": {"id": issue.project.id, "slug": issue.project.slug, "name": issue.project.name},
            "first_seen": issue.first_seen.isoformat(),
            "last_seen": issue.last_seen.isoformat(),
            "event_count": issue.event_count,
            "users_affected": users.get(issue.id, 0),
            "url": issue_url(issue.id),
            "environment": environments[issue.id],
        }
        for issue in (issues[issue_id] for issue_id in issue_ids if issue_id in issues)
    ]


def events_in_window(issue_ids, minutes, now):
    """{issue id: events counted in the time series over the last `minutes`} (the spike check)."""
    # A bucket that overlaps the window counts whole: the window is rounded out to bucket edges.
    since = now - timedelta(minutes=minutes, seconds=settings.ERRORHUB_BUCKET_SECONDS)
    return dict(
        IssueBucket.objects.filter(issue_id__in=issue_ids, start__gt=since)
        .values("issue_id")
        .annotate(events=Sum("count"))
        .values_list("issue_id", "events")
    )


def recent_deliveries(project, limit=20):
    return (
        AlertDelivery.objects.filter(rule__project=project)
        .select_related("rule")
        .order_by("-created_at", "-id")[:limit]
    )


def project_alerts(project):
    """The project's alerts page: its issue alert rules and the Kapacitor tasks linked to it."""
    rules = list(project.alert_rules.prefetch_related("targets").order_by("name", "id"))
    tasks = [task for model in MODELS.values() for task in model.live.filter(project=project)]
    return rules, tasks


def failed_syncs(user, limit=10):
    """Alert tasks whose Kapacitor sync failed, of the kinds the user may view (the console's dashboard)."""
    failed = []
    for model in MODELS.values():
        if user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
            failed += model.objects.filter(sync_status=SyncStatus.FAILED).order_by("-synced_at")[:limit]
    return failed[:limit]
