"""Reads behind the alerts API."""

from alerts.kapacitor import KapacitorClient
from alerts.models import MODELS


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
