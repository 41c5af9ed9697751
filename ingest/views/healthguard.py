from django.http import JsonResponse

from accounts.services import IngestRejected, resolve_ingest_project
from errorhub.http import json_body, project_key
from errorhub.responses import healthguard_error
from ingest import pipeline
from ingest.formats import healthguard
from ingest.formats.common import PayloadError
from issues.models import Source


@json_body(healthguard_error)
def events_batch(request, body):
    try:
        app_key, events = healthguard.parse_batch(body)
    except PayloadError as exc:
        return healthguard_error(exc.message, 400, field=exc.field)
    try:
        project = resolve_ingest_project(key=project_key(request), app_key=app_key)
    except IngestRejected as exc:
        return healthguard_error(str(exc), 401, field="appKey")
    accepted = pipeline.accept(project, Source.HEALTHGUARD, events)
    return JsonResponse({"accepted": accepted}, status=202)
