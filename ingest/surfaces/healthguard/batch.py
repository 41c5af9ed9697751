from django.http import JsonResponse

from accounts.services import resolve_ingest_project
from errorhub.http import json_body, project_key
from ingest import pipeline
from ingest.formats import healthguard
from issues.models import Source


@json_body
def events_batch(request, body):
    app_key, events = healthguard.parse_batch(body)
    project = resolve_ingest_project(key=project_key(request), app_key=app_key, field="appKey")
    accepted = pipeline.accept(project, Source.HEALTHGUARD, events)
    return JsonResponse({"accepted": accepted}, status=202)
