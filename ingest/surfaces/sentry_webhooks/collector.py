"""The Sentry Error Collector's read API: /errors, /errors/latest, /errors/latest/stacktrace, /config.

Rows keep the original's field names; they are built from webhook events (Sentry and
GlitchTip) in the projects the token may read.
"""

import json

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from accounts.authentication import token_user
from errorhub.http import page_size
from errorhub.payload import PayloadError
from issues import selectors

ERROR_LIST_LIMIT = 100
MAX_ERROR_LIST_LIMIT = 1000
# Issue rows the original copied from the webhook's `data.issue`, kept in Event.data.
ISSUE_FIELDS = (
    "issue_id", "issue_short_id", "issue_title", "issue_culprit", "issue_permalink", "issue_level", "issue_logger",
)  # fmt: skip


def stacktrace_text(frames):
    """The original's one-line-per-frame trace, innermost first."""
    return "\n".join(
        f'  File "{f.get("filename") or "unknown"}", line {f.get("lineno", "?")}, in {f.get("function") or "unknown"}'
        for f in reversed(frames)
    )


def stacktrace_detailed(frames):
    """The original's trace with source context and local variables, innermost first."""
    blocks = []
    for f in reversed(frames):
        block = f'File "{f.get("abs_path") or f.get("filename") or "unknown"}", line {f.get("lineno", "?")}, '
        block += f"in {f.get('function') or 'unknown'}\n"
        block += "".join(f"  {line}\n" for line in f.get("pre_context") or [])
        if f.get("context_line"):
            block += f"> {f['context_line']}\n"
        block += "".join(f"  {line}\n" for line in f.get("post_context") or [])
        if f.get("vars"):
            block += f"  Variables: {json.dumps(f['vars'], indent=2, default=str)}\n"
        blocks.append(block)
    return "\n".join(blocks)


def stacktrace_files(frames):
    return [
        {
            "filename": f.get("filename") or "unknown",
            "abs_path": f.get("abs_path") or f.get("filename") or "unknown",
            "line": f.get("lineno", "?"),
            "function": f.get("function") or "unknown",
            "context_line": f.get("context_line"),
            "pre_context": f.get("pre_context") or [],
            "post_context": f.get("post_context") or [],
            "vars": f.get("vars") or {},
        }
        for f in reversed(frames)
    ]


def error_row(event):
    data = event.data
    frames = event.frames or []
    return {
        "id": event.id,
        "event_id": event.event_id,
        "project": data.get("project_name") or event.project.name,
        "project_slug": data.get("project_slug") or event.project.slug,
        "project_id": data.get("project_id"),
        "message": event.message or "No message",
        "exception_type": event.exception_type or None,
        "exception_value": event.exception_value or None,
        "stacktrace": stacktrace_text(frames) or None,
        "timestamp": event.timestamp.isoformat(),
        "created_at": event.received_at.isoformat(),
        **{name: data.get(name) for name in ISSUE_FIELDS},
        # errorhub's current status of the issue (it follows issue/resolved... webhooks), once digested.
        "issue_status": event.issue.status if event.issue else data.get("issue_status"),
        "event_platform": event.platform or None,
        "event_logger": data.get("event_logger"),
        "event_level": data.get("event_level"),
        "breadcrumbs": data.get("breadcrumbs"),
        "stacktrace_files": stacktrace_files(frames) or None,
        "stacktrace_detailed": stacktrace_detailed(frames) or None,
        "full_payload": event.raw,
    }


@token_user(open_setting="ERRORHUB_OPEN_LEGACY_API")
def error_list(request, user):
    limit = page_size(request.GET, "limit", ERROR_LIST_LIMIT, MAX_ERROR_LIST_LIMIT)
    events = selectors.sentry_collector_errors(user)[:limit]
    return JsonResponse([error_row(event) for event in events], safe=False)


@token_user(open_setting="ERRORHUB_OPEN_LEGACY_API")
def latest_error(request, user):
    event = selectors.sentry_collector_errors(user).first()
    if event is None:
        # The original answers 200 with this body, not a 404.
        return JsonResponse({"error": "not_found"})
    return JsonResponse(error_row(event))


@token_user(open_setting="ERRORHUB_OPEN_LEGACY_API")
def latest_stacktrace(request, user):
    event = selectors.sentry_collector_errors(user).first()
    if event is None:
        raise PayloadError(None, "No errors found", status=404)
    frames = event.frames or []
    return JsonResponse(
        {
            "stacktrace": stacktrace_detailed(frames) or stacktrace_text(frames),
            "message": event.message or None,
            "exception_type": event.exception_type or None,
            "exception_value": event.exception_value or None,
        }
    )


@token_user(open_setting="ERRORHUB_OPEN_LEGACY_API")
def collector_config(request, user):
    """What is configured, never the values (as the original's /config)."""
    return JsonResponse(
        {
            # errorhub does not forward its own errors to a Sentry DSN.
            "sentry": {"dsn_configured": False, "webhook_secret_configured": bool(settings.SENTRY_WEBHOOK_SECRET)},
            "glitchtip": {"webhook_token_configured": bool(settings.GLITCHTIP_WEBHOOK_TOKEN)},
            "database": {"url": f"{connection.vendor}://***"},
        }
    )
