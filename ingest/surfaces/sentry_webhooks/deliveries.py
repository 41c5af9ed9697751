"""Sentry and GlitchTip webhooks: `POST /sentry/webhook`, `POST /glitchtip/webhook`.

Success is 201 as in the seed collector; deliveries errorhub does not act on (installation,
comment, metric alerts, unknown issues) are acknowledged with 200 so Sentry does not retry.
"""

import hashlib
import hmac
from functools import wraps

from django.conf import settings
from django.http import JsonResponse

from accounts.services import resolve_ingest_project
from errorhub.http import json_body, project_key, raw_body
from errorhub.payload import PayloadError
from ingest import pipeline
from ingest.formats import glitchtip_webhook, sentry_webhook
from issues import lifecycle, selectors
from issues.models import Source

# Sentry apps, legacy service hooks, and the seed collector's own (non-Sentry) header.
SIGNATURE_HEADERS = ("Sentry-Hook-Signature", "X-ServiceHook-Signature", "X-Sentry-Signature")
# Projects for deliveries that name none (event_alert/error carry only a numeric project id).
DEFAULT_SENTRY_PROJECT = "sentry"
DEFAULT_GLITCHTIP_PROJECT = "glitchtip"


def signature_matches(secret, raw_body, headers):
    """Hex HMAC-SHA256 of the exact body bytes, compared in constant time."""
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest().encode()
    for header in SIGNATURE_HEADERS:
        # The seed collector's HEAD also accepted "sentry_signature=<hex>".
        given = headers.get(header, "").strip().removeprefix("sentry_signature=").lower()
        if given and hmac.compare_digest(expected, given.encode()):
            return True
    return False


def signed_by_sentry(view):
    """With SENTRY_WEBHOOK_SECRET set, only correctly signed deliveries reach the view (else 401)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        secret = settings.SENTRY_WEBHOOK_SECRET
        if secret and not signature_matches(secret, raw_body(request), request.headers):
            raise PayloadError("Sentry-Hook-Signature", "Invalid webhook signature", status=401)
        return view(request, *args, **kwargs)

    return wrapper


@signed_by_sentry
@json_body
def sentry_webhook_delivery(request, body):
    resource = request.headers.get("Sentry-Hook-Resource", "")
    if not resource and glitchtip_webhook.is_glitchtip_body(body):
        # The seed README told GlitchTip users to point their webhook at /sentry/webhook.
        return _glitchtip_notification(request, body)
    delivery = sentry_webhook.parse_delivery(body, resource)
    if delivery.ignored:
        return _ignored(f"{delivery.resource}/{delivery.action} is not stored")
    key = project_key(request)
    if delivery.new_status and not (settings.SENTRY_WEBHOOK_SECRET or key):
        # Anyone can send an unsigned delivery naming a slug: it may add events to a keyless
        # project, never triage one (docs/architecture.md, "Decisions").
        raise PayloadError(
            "Sentry-Hook-Signature",
            "A status change must be signed (SENTRY_WEBHOOK_SECRET) or carry the project key",
            status=401,
        )
    project_name = delivery.project_slug or DEFAULT_SENTRY_PROJECT
    project = resolve_ingest_project(key=key, name=project_name, field="project.slug")
    if delivery.new_status:
        return _status_change(project, delivery, body.get("actor"))
    return _stored(project, Source.SENTRY_WEBHOOK, delivery.events)


@json_body
def glitchtip_webhook_delivery(request, body):
    return _glitchtip_notification(request, body)


def _glitchtip_notification(request, body):
    token = settings.GLITCHTIP_WEBHOOK_TOKEN
    if token and not hmac.compare_digest(token.encode(), request.GET.get("token", "").encode()):
        raise PayloadError("token", "Invalid or missing webhook token", status=401)
    project_name, events = glitchtip_webhook.parse_notification(body)
    project = resolve_ingest_project(
        key=project_key(request), name=project_name or DEFAULT_GLITCHTIP_PROJECT, field="project"
    )
    return _stored(project, Source.GLITCHTIP_WEBHOOK, events)


def _ignored(reason):
    return JsonResponse({"message": f"Ignored: {reason}", "status": "ignored"}, status=200)


def _stored(project, source, events):
    event_id = events[0].event_id
    # Sentry retries a delivery with the same event id: acknowledge it, count it once.
    if selectors.event_by_event_id(project, event_id) is not None:
        return JsonResponse({"message": "Error already exists", "event_id": event_id}, status=201)
    pipeline.accept(project, source, events)
    row = selectors.event_by_event_id(project, event_id)
    return JsonResponse({"message": "Error saved successfully", "event_id": event_id, "id": row.id}, status=201)


def _status_change(project, delivery, actor):
    issue = selectors.issue_by_fingerprint(project, delivery.fingerprint)
    # The issue's first event may be stored but not yet digested by a worker: digest just
    # that issue's events here, or this status change would be lost.
    if issue is None and pipeline.digest_waiting(project, delivery.fingerprint):
        issue = selectors.issue_by_fingerprint(project, delivery.fingerprint)
    if issue is None:
        return _ignored(f"no issue {delivery.fingerprint} in project {project.slug}")
    detail = {"via": "sentry_webhook", "action": delivery.action}
    if isinstance(actor, dict):
        detail["actor"] = actor
    changed = lifecycle.set_status([issue], delivery.new_status, detail=detail)
    message = "Issue status updated" if changed else "Issue status unchanged"
    return JsonResponse({"message": message, "issue_id": issue.id, "status": delivery.new_status}, status=200)
