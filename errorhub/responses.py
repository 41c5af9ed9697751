"""One error shape per surface, each in the original's key names (DECISIONS.md).

Every builder takes (message, status, *, field=None, code=None) so the shared view
decorators in errorhub.http can answer in any surface's shape.
"""

from django.http import JsonResponse


def healthguard_error(message, status, *, field=None, code=None):
    body = {"message": message}
    if code and code != "UNAUTHORIZED":
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
