import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger(__name__)


@require_GET
def health(request):
    """For load balancers: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        # The driver's message can name hosts and users; it goes to the log, not the open endpoint.
        logger.exception("health check: the database did not answer")
        return JsonResponse({"ok": False, "database": "unavailable"}, status=503)
    return JsonResponse({"ok": True, "service": "errorhub"})


def _is_admin(request):
    return request.path.startswith("/admin/")


def not_found(request, exception):
    """API clients get JSON for unknown routes; the admin keeps Django's page."""
    if _is_admin(request):
        return page_not_found(request, exception)
    return JsonResponse({"detail": f"No route for {request.method} {request.path}", "error": "not_found"}, status=404)


def server_error(request):
    if _is_admin(request):
        return django_server_error(request)
    return JsonResponse({"detail": "Internal server error", "error": "server_error"}, status=500)
