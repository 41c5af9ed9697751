"""The kapacitor-alerts-api surface: every route and spelling of the original (see urls.py)."""

from functools import wraps

from django.http import HttpResponse, JsonResponse

from accounts.authentication import token_user
from alerts import selectors, services
from alerts.kapacitor import KapacitorError
from alerts.validation import InvalidAlertTask
from errorhub.http import json_body, page_size
from errorhub.responses import legacy_error

# The original lists every task; one answer stays bounded all the same (README "Bounded lists").
MAX_TASK_LIST = 1000


def alert_manager(view):
    """The token of a user who may manage this kind of alert task (or the open legacy API)."""

    @wraps(view)
    @token_user(open_setting="ERRORHUB_OPEN_LEGACY_API")
    def guarded(request, *args, user, kind, **kwargs):
        if user is not None and not selectors.can_manage_alert_tasks(user, kind):
            return legacy_error("This token's user may not manage alert tasks", 403)
        return view(request, *args, kind=kind, user=user, **kwargs)

    return guarded


def task_json(row):
    task = {
        **row.config(),
        "sync_status": row.sync_status,
        "sync_error": row.sync_error,
        "synced_at": row.synced_at.isoformat() if row.synced_at else None,
    }
    # Only a task linked to a project says so: an unlinked one answers as it always did.
    if row.project_id is not None:
        task["project"] = row.project_id
    return task


def not_found(kind, app, dyno=None):
    name = f"{app}/{dyno}" if dyno is not None else app
    return legacy_error(f"No {kind} alert task for {name}", 404)


def _written(write, kind, body, user):
    """POST and PATCH both answer 201 with the stored task."""
    try:
        row = write(kind, body, user)
    except InvalidAlertTask as exc:
        return legacy_error(exc.message, 400, field=exc.field)
    except services.AlertTaskExists as exc:
        return legacy_error(str(exc), 400, field="app")
    except services.AlertTaskNotFound as exc:
        return legacy_error(str(exc), 404)
    return JsonResponse(task_json(row), status=201)


@alert_manager
@json_body
def task_create(request, kind, body, user):
    return _written(services.create_alert_task, kind, body, user)


@alert_manager
@json_body
def task_update(request, kind, body, user):
    """Changes only the fields the body gives."""
    return _written(services.update_alert_task, kind, body, user)


@alert_manager
def task_get(request, kind, app, dyno=None, user=None):
    row = selectors.alert_task(kind, app, dyno)
    return JsonResponse(task_json(row)) if row else not_found(kind, app, dyno)


@alert_manager
def task_delete(request, kind, app, dyno=None, user=None):
    row = selectors.alert_task(kind, app, dyno)
    if row is None:
        return not_found(kind, app, dyno)
    services.remove_alert_task(row)
    return HttpResponse(status=200)


@alert_manager
def task_list(request, kind, app=None, user=None):
    limit = page_size(request.GET, "limit", MAX_TASK_LIST, MAX_TASK_LIST)
    return JsonResponse([task_json(row) for row in selectors.alert_tasks(kind, app)[:limit]], safe=False)


@alert_manager
def task_state(request, kind, app, user=None):
    row = selectors.alert_task(kind, app)
    if row is None:
        return not_found(kind, app)
    try:
        state = selectors.alert_state(row)
    except KapacitorError as exc:
        return legacy_error(f"Cannot read the alert state: {exc.message}", 503)
    return JsonResponse({"app": app, "state": state})
