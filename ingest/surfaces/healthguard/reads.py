"""HealthGuard's query API: /api/overview, /api/issues, /api/issues/<id>."""

from django.http import JsonResponse

from accounts.authentication import token_user
from errorhub.payload import PayloadError, epoch_ms, from_epoch_ms
from issues import selectors
from issues.models import Issue, Source

ISSUE_LIST_LIMIT = 100
ISSUE_EVENTS_LIMIT = 50


def issue_json(issue):
    return {
        "id": f"{issue.project.app_key}:{issue.fingerprint}",
        "appKey": issue.project.app_key,
        "fingerprint": issue.fingerprint,
        "message": issue.title,
        "errorType": issue.error_type,
        "eventCount": issue.event_count,
        "firstSeenAt": epoch_ms(issue.first_seen),
        "lastSeenAt": epoch_ms(issue.last_seen),
        "platformDistribution": issue.platform_distribution,
        "firstSeenRelease": issue.first_release or None,
        "lastSeenRelease": issue.last_release or None,
        "status": {"unresolved": "open"}.get(issue.status, issue.status),
        "archived": issue.status == Issue.Status.IGNORED,
        "source": issue.source,
    }


def event_json(event):
    if event.source == Source.HEALTHGUARD:
        return event.raw
    return {
        "eventId": event.event_id,
        "type": event.kind,
        "timestamp": epoch_ms(event.timestamp),
        "platform": event.platform,
        "message": event.message,
        "release": event.release,
        "environment": event.environment,
        "source": event.source,
    }


def _query(request):
    """The shared filters: appKey, platform, status, start/end in epoch ms."""
    params = request.GET
    status = params.get("status", "open")
    if status not in selectors.HEALTHGUARD_STATUS:
        raise PayloadError("status", "Invalid status; expected open, archived or all")
    bounds = {}
    for name in ("start", "end"):
        if params.get(name):
            bounds[name] = from_epoch_ms(params[name])
            if bounds[name] is None:
                raise PayloadError(name, "Invalid time range")
    if "start" in bounds and "end" in bounds and bounds["start"] > bounds["end"]:
        raise PayloadError("start", "Invalid time range")
    return {
        "app_key": params.get("appKey", ""),
        "platform": params.get("platform", ""),
        "status": status,
        "start": bounds.get("start"),
        "end": bounds.get("end"),
    }


@token_user()
def overview(request, user):
    query = _query(request)
    return JsonResponse({"totals": selectors.healthguard_overview(user, **query)})


@token_user()
def issue_list(request, user):
    query = _query(request)
    issues = selectors.healthguard_issues(user, **query)[:ISSUE_LIST_LIMIT]
    return JsonResponse({"issues": [issue_json(issue) for issue in issues]})


@token_user()
def issue_detail(request, user, issue_id):
    issue = selectors.healthguard_issue(user, issue_id)
    if issue is None:
        raise PayloadError(None, "Issue not found", status=404)
    events = selectors.latest_events(issue, ISSUE_EVENTS_LIMIT)
    return JsonResponse({"issue": issue_json(issue), "events": [event_json(e) for e in events]})
