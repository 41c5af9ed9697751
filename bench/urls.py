from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def noop_envelope(request, project_id):
    """Reads the body and answers as the envelope route does; nothing else (the ceiling)."""
    return JsonResponse({"id": None, "bytes": len(request.body)})


urlpatterns = [
    # The load generator posts to <DSN prefix>/api/<id>/envelope/: a DSN ending in /noop/<id> lands here.
    path("noop/api/<int:project_id>/envelope/", noop_envelope),
    path("", include("errorhub.urls")),
]
handler404 = "errorhub.views.not_found"
handler500 = "errorhub.views.server_error"
