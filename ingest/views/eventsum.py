"""Eventsum's `POST /capture`."""

from django.conf import settings
from django.http import HttpResponse

from accounts.services import IngestRejected, resolve_ingest_project
from errorhub.http import json_body, project_key
from errorhub.responses import legacy_error
from ingest import pipeline
from ingest.formats import eventsum
from ingest.formats.common import PayloadError
from issues.models import Source


# Routed POST-only through errorhub.http.by_method (CSRF-exempt, JSON 405).
@json_body(legacy_error)
def capture(request, body):
    try:
        service, event = eventsum.parse_capture(body, time_format=settings.ERRORHUB_EVENTSUM_TIME_FORMAT)
    except PayloadError as exc:
        return legacy_error(exc.message, 400, field=exc.field)
    key = project_key(request)
    if not key and not service:
        return legacy_error("service cannot be empty without a project key", 400, field="service")
    try:
        project = resolve_ingest_project(key=key, name=service)
    except IngestRejected as exc:
        return legacy_error(str(exc), 401, field="service")
    pipeline.accept(project, Source.EVENTSUM, [event])
    # As the original: 200 with an empty body, but only once the event is stored.
    return HttpResponse(status=200, content_type="application/json")
