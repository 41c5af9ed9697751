"""Sentry SDKs: `POST /api/<project id>/envelope/` and `/store/`, so an app changes only its DSN.

The DSN's public key is always checked against the project in the URL (403 otherwise), as
Sentry does: open ingest never creates a project from a DSN. Every answer carries the CORS
headers browser SDKs need, errors included, or the browser would hide them from the SDK.
"""

from functools import wraps

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.selectors import sentry_project
from errorhub.http import by_method, read_body
from errorhub.responses import sentry_ingest_error
from ingest import pipeline
from ingest.formats import sentry_envelope
from issues.models import Source

# Bugsink's list (ingest/views.py `_set_cors_headers`): what browser SDKs send.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": (
        "X-Sentry-Auth, X-Requested-With, Origin, Accept, Content-Type, Content-Encoding, "
        "Authentication, Authorization, sentry-trace, baggage"
    ),
    "Access-Control-Expose-Headers": "X-Sentry-Error, X-Sentry-Rate-Limits, Retry-After",
}


def with_cors(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        for header, value in CORS_HEADERS.items():
            response[header] = value
        return response

    # For answers made outside the view (errorhub.middleware.AnswerDatabaseOutages).
    wrapper.cors_headers = CORS_HEADERS
    return csrf_exempt(wrapper)


def preflight(request, project_id):
    response = HttpResponse(status=200)
    response["Access-Control-Max-Age"] = "3600"
    return response


def envelope(request, project_id):
    parsed = sentry_envelope.parse_envelope(read_body(request))
    project = _authenticated_project(request, project_id, dsn_key=parsed.dsn_key)
    if project is None:
        return _forbidden(project_id)
    pipeline.queue(project, Source.SENTRY, parsed.events)
    return JsonResponse({"id": parsed.event_id})


def store(request, project_id):
    item = sentry_envelope.parse_store_body(read_body(request))
    project = _authenticated_project(request, project_id)
    if project is None:
        return _forbidden(project_id)
    pipeline.queue(project, Source.SENTRY, [item])
    return JsonResponse({"id": item.event_id})


def _authenticated_project(request, project_id, dsn_key=""):
    key = sentry_envelope.auth_key(
        query_key=request.GET.get("sentry_key", ""),
        x_sentry_auth=request.headers.get("X-Sentry-Auth", ""),
        authorization=request.headers.get("Authorization", ""),
        dsn_key=dsn_key,
    )
    return sentry_project(project_id, key)


def _forbidden(project_id):
    return sentry_ingest_error(
        f"No project {project_id} with this DSN public key; send the key of the project's DSN "
        "(from /api/v1/projects/) as ?sentry_key=, X-Sentry-Auth or the envelope's dsn header",
        403,
    )


envelope_endpoint = with_cors(by_method(sentry_ingest_error, POST=envelope, OPTIONS=preflight))
store_endpoint = with_cors(by_method(sentry_ingest_error, POST=store, OPTIONS=preflight))
