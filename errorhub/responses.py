"""One error shape per surface, each in the original's key names (docs/architecture.md, "Decisions").

Every builder takes (message, status, *, field=None, code=None) so the shared view
decorators in errorhub.http can answer in any surface's shape.
"""

from django.http import JsonResponse


def healthguard_error(message, status, *, field=None, code=None):
    body = {"message": message}
    if code:
        body["code"] = code
    if field:
        body["field"] = field
    return JsonResponse(body, status=status)


def legacy_error(message, status, *, field=None, code=None):
    """Eventsum, Periskop, the Sentry collector and the Kapacitor alerts API all use {"error": ...}."""
    body = {"error": message}
    if field:
        body["field"] = field
    return JsonResponse(body, status=status)


def sentry_webhook_error(message, status, *, field=None, code=None):
    """The Sentry collector's webhook answered errors the FastAPI way: {"detail": ...}."""
    body = {"detail": message}
    if field:
        body["field"] = field
    return JsonResponse(body, status=status)


def sentry_ingest_error(message, status, *, field=None, code=None):
    """Relay's error shape for SDKs: {"detail": ...} plus the X-Sentry-Error header SDKs log."""
    detail = f"{field}: {message}" if field else message
    body = {"detail": detail}
    if field:
        body["field"] = field
    response = JsonResponse(body, status=status)
    # A header is one line: field paths may carry the payload's own keys, newlines included.
    response["X-Sentry-Error"] = " ".join(detail.split())[:500]
    return response


def native_error(message, status, *, field=None, code=None):
    """The native API's (and DRF's, see errorhub.api) shape: {"detail": ..., "fields": {name: [...]}}."""
    body = {"detail": message}
    if field:
        body["fields"] = {field: [message]}
    return JsonResponse(body, status=status)


def surface_error(request):
    """The error builder of the surface a request was routed to: the one its by_method route
    carries, else the native API's (DRF views, the admin, unknown routes)."""
    view = getattr(request, "resolver_match", None) and request.resolver_match.func
    return getattr(view, "error_response", native_error)
