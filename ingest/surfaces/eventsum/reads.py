"""Eventsum's reads and group management: /search, /detail, /histogram, /assign_group."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from accounts.authentication import token_user
from errorhub.http import int_param, is_database_id, page_size, read_json
from errorhub.payload import PayloadError
from ingest.formats.eventsum import parse_timestamp
from issues import selectors, services

# The original's defaults: the last hour, 100 bases.
DEFAULT_WINDOW = timedelta(hours=1)
DEFAULT_LIMIT = 100
# Upstream has no ceiling; one keeps a single search from reading every event of the install.
MAX_LIMIT = 1000
SORTS = ("recent", "increased")

legacy_token_user = token_user(open_setting="ERRORHUB_OPEN_LEGACY_API")


def _required_id(params, name, alias):
    """A required id that the seed and the code spell differently: (the name used, its value)."""
    used = alias if alias in params and name not in params else name
    value = int_param(params, used)
    if value is None:
        raise PayloadError(name, f"{name} is missing")
    return used, value


def _window(params):
    time_format = settings.ERRORHUB_EVENTSUM_TIME_FORMAT
    end = timezone.now()
    if params.get("end_time"):
        end = parse_timestamp(params["end_time"], time_format, "end_time")
    start = end - DEFAULT_WINDOW
    if params.get("start_time"):
        start = parse_timestamp(params["start_time"], time_format, "start_time")
    if start > end:
        raise PayloadError("start_time", "start_time is after end_time")
    return {
        "start": start,
        "end": end,
        "interval_seconds": settings.ERRORHUB_EVENTSUM_TIME_INTERVAL_MINUTES * 60,
    }


def _search_query(params):
    sort = params.get("sort", "") or "recent"
    if sort not in SORTS:
        raise PayloadError("sort", f"Unknown sort {sort!r}; expected one of: {', '.join(SORTS)}")
    limit = page_size(params, "limit", DEFAULT_LIMIT, MAX_LIMIT)
    return {
        **_window(params),
        "service_id": int_param(params, "service_id"),
        "fingerprint": params.get("hash", ""),
        "group_id": int_param(params, "group_id"),
        "env_id": int_param(params, "env_id"),
        "keywords": params.get("keywords", ""),
        "sort": sort,
        "limit": limit,
    }


def base_json(base):
    """One event base as upstream's EventResult; name, type and data are its first event's."""
    first = base.first_event.data if base.first_event else {}
    return {
        "id": base.issue.id,
        # Once retention pruned the events: the name is the issue's error_type, the type its platform.
        "event_type": first.get("event_type", next(iter(base.issue.platform_distribution), "")),
        "event_name": first.get("event_name", base.issue.error_type),
        "event_group_id": base.issue.group_id or 0,
        "event_environment_id": base.environment_id,
        "total_count": base.issue.window_count,
        "processed_data": first.get("processed_data"),
        "instance_ids": base.instance_ids,
        "datapoints": base.datapoints,
    }


@legacy_token_user
def search(request, user):
    bases = selectors.eventsum_search(user, **_search_query(request.GET))
    return JsonResponse({"events": [base_json(base) for base in bases]})


@legacy_token_user
def histogram(request, user):
    # The seed-era name is event_base_id; the later fork's evt_id is accepted too.
    _, base_id = _required_id(request.GET, "event_base_id", alias="evt_id")
    bases = selectors.eventsum_search(user, **_window(request.GET), issue_id=base_id)
    return JsonResponse({"histogram": [base_json(base) for base in bases]})


@legacy_token_user
def detail(request, user):
    # The seed documents event_instance_id; the original code reads event_id.
    name, event_id = _required_id(request.GET, "event_id", alias="event_instance_id")
    event = selectors.eventsum_event(user, event_id)
    if event is None:
        raise PayloadError(name, f"no event instance with id {event_id}", status=404)
    return JsonResponse(
        {
            "event_details": {
                "event_type": event.data.get("event_type", ""),
                "event_name": event.data.get("event_name", ""),
                "service_id": event.project_id,
                "raw_data": event.data.get("event_data"),
                "raw_details": event.data.get("extra_args"),
            }
        }
    )


def _assignments(body):
    """[(event_id, group_id)] from an array, or a single object, of {"event_id", "group_id"}."""
    items = [body] if isinstance(body, dict) else body
    if not isinstance(items, list) or not items:
        raise PayloadError("body", "Expected an object or a non-empty array of {event_id, group_id}")
    pairs = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise PayloadError(str(i), "Expected an object with event_id and group_id")
        for name in ("event_id", "group_id"):
            if not is_database_id(item.get(name)):
                raise PayloadError(f"{i}.{name}", f"{name} must be an integer")
        pairs.append((item["event_id"], item["group_id"]))
    return pairs


@legacy_token_user
def assign_group(request, user):
    pairs = _assignments(read_json(request))
    issues = selectors.eventsum_issues_by_id(user, [event_id for event_id, _ in pairs])
    groups = selectors.groups_by_id(user, [group_id for _, group_id in pairs])
    for i, (event_id, group_id) in enumerate(pairs):
        if event_id not in issues:
            raise PayloadError(f"{i}.event_id", f"no event base with id {event_id}")
        if group_id not in groups:
            raise PayloadError(f"{i}.group_id", f"no event group with id {group_id}")
    try:
        services.assign_group([(issues[e], groups[g]) for e, g in pairs], user=user)
    except services.GroupMismatch as exc:
        raise PayloadError("group_id", str(exc)) from None
    # As the original: 200 with an empty body.
    return HttpResponse(status=200, content_type="application/json")
