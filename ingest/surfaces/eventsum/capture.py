"""Eventsum's `POST /capture`."""

from django.conf import settings
from django.http import HttpResponse

from accounts.services import resolve_ingest_project
from errorhub.http import json_body, project_key
from errorhub.payload import PayloadError
from ingest import pipeline
from ingest.formats import eventsum
from issues.models import Source


# Routed POST-only through errorhub.http.by_method (CSRF-exempt, JSON 405).
@json_body
def capture(request, body):
    service, event = eventsum.parse_capture(body, time_format=settings.ERRORHUB_EVENTSUM_TIME_FORMAT)
    key = project_key(request)
    if not key and not service:
        raise PayloadError("service", "service cannot be empty without a project key")
    project = resolve_ingest_project(key=key, name=service, field="service")
    pipeline.accept(project, Source.EVENTSUM, [event])
    # As the original: 200 with an empty body, but only once the event is stored.
    return HttpResponse(status=200, content_type="application/json")
