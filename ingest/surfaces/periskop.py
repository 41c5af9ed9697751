"""Periskop: the pushgateway's `POST /errors` and the collector export a Periskop server scrapes.

Routed through errorhub.http.by_method, which answers other methods and skips CSRF.
"""

from datetime import UTC

from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from accounts.authentication import token_user
from accounts.selectors import project_for_key
from accounts.services import resolve_ingest_project
from errorhub.http import json_body, project_key
from errorhub.payload import PayloadError
from ingest import selectors, services
from ingest.formats import periskop

DEFAULT_PROJECT = "periskop"


@json_body
def push_errors(request, body):
    push = periskop.parse_push(body, received_at=timezone.now())
    project_name = request.GET.get("project") or DEFAULT_PROJECT
    project = resolve_ingest_project(key=project_key(request), name=project_name, field="project")
    services.record_periskop_push(project, push)
    # The gateway writes nothing on success: 200, empty body, no Content-Type.
    response = HttpResponse(status=200)
    del response["Content-Type"]
    return response


def rfc3339(moment):
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


# Key orders are rebuilt from periskop-go's structs: PostgreSQL's jsonb does not keep them.
def instance_json(error):
    if error is None:
        return None
    return {
        "class": error["class"],
        "message": error["message"],
        "stacktrace": error["stacktrace"],
        "cause": instance_json(error["cause"]),
    }


def http_context_json(context):
    if context is None:
        return None
    fields = ("request_method", "request_url", "request_headers", "request_body")
    return {name: context[name] for name in fields}


def error_json(event):
    return {
        "error": instance_json(event.data["error"]),
        "uuid": event.event_id,
        "timestamp": rfc3339(event.timestamp),
        "severity": event.level,
        "http_context": http_context_json(event.data["http_context"]),
    }


def aggregate_json(issue):
    """One aggregate in periskop-go's key order; total_count is the issue's monotonic count."""
    latest = issue.stored_errors[-periskop.MAX_LATEST_ERRORS :]
    return {
        "aggregation_key": latest[-1].data["aggregation_key"] if latest else issue.fingerprint,
        "total_count": issue.event_count,
        "severity": issue.level,
        "latest_errors": [error_json(event) for event in latest],
        "created_at": rfc3339(issue.first_seen),
    }


@token_user(open_setting="ERRORHUB_OPEN_LEGACY_API")
def export_errors(request, user):
    key = project_key(request)
    name = request.GET.get("project") or DEFAULT_PROJECT
    if key:
        keyed = project_for_key(key)
        if keyed is None:
            raise PayloadError("key", "Unknown project key.", status=401)
        project, name = selectors.periskop_project_for_key(user, keyed), keyed.slug
    else:
        project = selectors.periskop_project(user, name)
    if project is None:
        raise PayloadError("project", f"Unknown project {name!r}", status=404)
    aggregates = [aggregate_json(issue) for issue in selectors.periskop_aggregates(project)]
    return JsonResponse({"aggregated_errors": aggregates, "target_uuid": str(project.periskop_target_uuid)})
