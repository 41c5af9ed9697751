"""The queries behind every issue and event list and page."""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery, Sum, Window
from django.db.models.functions import Coalesce, RowNumber, TruncDay, TruncHour
from django.utils import timezone

from accounts.models import Environment, User
from accounts.selectors import legacy_visible_projects, visible_projects
from issues.models import Event, EventGroup, Issue, IssueActivity, IssueBucket, IssueTag, Source


def visible_issues(user):
    """Issues in the user's projects; merged ones live on only as their target's aliases."""
    return Issue.objects.filter(project__in=visible_projects(user), merged_into__isnull=True)


def merged_issue(user, issue_id):
    return Issue.objects.filter(project__in=visible_projects(user), pk=issue_id, merged_into__isnull=False).first()


def visible_events(user):
    return Event.objects.filter(project__in=visible_projects(user))


# HealthGuard: "open" is everything not archived; errorhub's ignored is HealthGuard's archived.
HEALTHGUARD_STATUS = {
    "open": ~Q(status=Issue.Status.IGNORED),
    "archived": Q(status=Issue.Status.IGNORED),
    "all": Q(),
}


def _healthguard_scope(queryset, *, app_key, platform, start, end, platform_lookup, time_field):
    """HealthGuard's shared filters: one app, one platform, a time range (on `time_field`)."""
    if app_key:
        queryset = queryset.filter(project__app_key=app_key)
    if platform:
        queryset = queryset.filter(**{platform_lookup: platform})
    if start is not None:
        queryset = queryset.filter(**{f"{time_field}__gte": start})
    if end is not None:
        queryset = queryset.filter(**{f"{time_field}__lte": end})
    return queryset


def healthguard_issues(user, *, status="open", **scope):
    issues = visible_issues(user).select_related("project").filter(HEALTHGUARD_STATUS[status])
    issues = _healthguard_scope(
        issues, platform_lookup="platform_distribution__has_key", time_field="last_seen", **scope
    )
    return issues.order_by("-last_seen", "-id")


def healthguard_issue(user, issue_id):
    """An issue by HealthGuard id `<appKey>:<fingerprint>` (the fingerprint has colons too)."""
    app_key, _, fingerprint = issue_id.partition(":")
    return (
        visible_issues(user).select_related("project").filter(project__app_key=app_key, fingerprint=fingerprint).first()
    )


def healthguard_overview(user, *, status="open", **scope):
    events = _healthguard_scope(visible_events(user), platform_lookup="platform", time_field="timestamp", **scope)
    # Occurrences, not rows: a Periskop row can stand for many (Event.count).
    totals = events.aggregate(
        events=Coalesce(Sum("count"), 0),
        errors=Coalesce(Sum("count", filter=Q(kind="error")), 0),
        failedRequests=Coalesce(Sum("count", filter=Q(kind="http", groupable=True)), 0),
        affectedUsers=Count("user", distinct=True, filter=~Q(user="")),
    )
    totals["issues"] = healthguard_issues(user, status=status, **scope).count()
    return totals


def latest_events(issue, limit):
    return issue.events.order_by("-timestamp", "-id")[:limit]


SENTRY_COLLECTOR_SOURCES = (Source.SENTRY_WEBHOOK, Source.GLITCHTIP_WEBHOOK)


def sentry_collector_errors(user):
    """The Sentry collector's error rows: webhook events, newest received first."""
    return (
        Event.objects.filter(project__in=legacy_visible_projects(user), source__in=SENTRY_COLLECTOR_SOURCES)
        .select_related("project", "issue")
        .order_by("-received_at", "-id")
    )


def event_by_event_id(project, event_id):
    return Event.objects.filter(project=project, event_id=event_id).first()


def issue_by_fingerprint(project, fingerprint):
    """The issue a fingerprint's events count into: a merged fingerprint's target."""
    issue = Issue.objects.filter(project=project, fingerprint=fingerprint).select_related("merged_into").first()
    return issue.merged_into if issue is not None and issue.merged_into_id else issue


# Eventsum: an issue of source eventsum is an event base, its project the service, each
# event an instance (one per distinct generic data hash).


def eventsum_issues(user, *, service_id=None, issue_id=None, fingerprint="", group_id=None, env_id=None, keywords=""):
    issues = Issue.objects.filter(
        project__in=legacy_visible_projects(user), source=Source.EVENTSUM, merged_into__isnull=True
    )
    if service_id is not None:
        issues = issues.filter(project_id=service_id)
    if issue_id is not None:
        issues = issues.filter(pk=issue_id)
    if fingerprint:
        issues = issues.filter(fingerprint=fingerprint)
    if group_id is not None:
        issues = issues.filter(group_id=group_id)
    if env_id is not None:
        environment = Environment.objects.filter(pk=env_id).first()
        if environment is None:
            return issues.none()
        # A base keeps the environment of its first event, as upstream's event_base row.
        first_environment = Event.objects.filter(issue=OuterRef("pk")).order_by("id").values("environment")[:1]
        issues = issues.annotate(first_environment=Subquery(first_environment)).filter(
            project_id=environment.project_id, first_environment=environment.name
        )
    if keywords:
        # Upstream matches the event type (its events' platform) or the message (in the title
        # `<event_name>: <message>`); a base matching both is listed once.
        typed = Event.objects.filter(issue=OuterRef("pk"), platform__contains=keywords)
        issues = issues.filter(Q(title__contains=keywords) | Exists(typed))
    return issues


@dataclass
class EventsumBase:
    issue: Issue
    # None once retention has pruned the base's events (its counts and buckets remain).
    first_event: Event | None
    environment_id: int = 0
    instance_ids: list = field(default_factory=list)
    datapoints: list = field(default_factory=list)


def eventsum_search(user, *, start, end, interval_seconds, sort="recent", limit=100, **filters):
    """Event bases with events in [start, end], datapoints summed per `interval_seconds`.

    sort=recent: most recently seen in the window first; sort=increased: only bases whose
    second half of the window has more events than the first, the largest increase first.
    """
    in_window = Q(buckets__start__gte=start, buckets__start__lte=end)
    middle = start + (end - start) / 2
    issues = (
        eventsum_issues(user, **filters)
        .annotate(
            window_count=Sum("buckets__count", filter=in_window),
            late_count=Coalesce(Sum("buckets__count", filter=in_window & Q(buckets__start__gte=middle)), 0),
            seen_in_window=Max("buckets__start", filter=in_window),
        )
        .filter(window_count__gt=0)
    )
    if sort == "increased":
        issues = issues.filter(late_count__gt=F("window_count") - F("late_count")).order_by(
            (F("late_count") * 2 - F("window_count")).desc(), "-seen_in_window", "-id"
        )
    else:
        issues = issues.order_by("-seen_in_window", "-id")
    bases = {issue.id: issue for issue in issues[:limit]}
    if not bases:
        return []

    datapoints = defaultdict(lambda: defaultdict(int))
    buckets = IssueBucket.objects.filter(issue_id__in=bases, start__gte=start, start__lte=end)
    for issue_id, bucket_start, count in buckets.values_list("issue_id", "start", "count"):
        epoch = int(bucket_start.timestamp())
        datapoints[issue_id][epoch - epoch % interval_seconds] += count

    first_ids, instance_ids = {}, defaultdict(list)
    instances = (
        Event.objects.filter(issue_id__in=bases)
        .values("issue_id", "data__generic_data_hash")
        .annotate(first=Min("id"), in_window=Count("id", filter=Q(timestamp__gte=start, timestamp__lte=end)))
    )
    for row in instances:
        issue_id = row["issue_id"]
        first_ids[issue_id] = min(first_ids.get(issue_id, row["first"]), row["first"])
        if row["in_window"]:
            instance_ids[issue_id].append(row["first"])
    first_events = {e.issue_id: e for e in Event.objects.filter(pk__in=first_ids.values())}
    environments = Environment.objects.filter(
        project_id__in={issue.project_id for issue in bases.values()},
        name__in={event.environment for event in first_events.values()},
    ).values_list("project_id", "name", "id")
    environment_ids = {(project_id, name): pk for project_id, name, pk in environments}
    environment_of = {issue_id: event.environment for issue_id, event in first_events.items()}
    return [
        EventsumBase(
            issue=issue,
            first_event=first_events.get(issue_id),
            environment_id=environment_ids.get((issue.project_id, environment_of.get(issue_id)), 0),
            instance_ids=sorted(instance_ids[issue_id]),
            datapoints=[
                {"count": count, "start": start_s * 1000} for start_s, count in sorted(datapoints[issue_id].items())
            ],
        )
        for issue_id, issue in bases.items()
    ]


def eventsum_event(user, event_id):
    """An Eventsum instance by id (upstream's /detail?event_id=)."""
    return (
        Event.objects.filter(project__in=legacy_visible_projects(user), source=Source.EVENTSUM, pk=event_id)
        .select_related("project")
        .first()
    )


def eventsum_issues_by_id(user, issue_ids):
    return eventsum_issues(user).in_bulk(issue_ids)


def groups_by_id(user, group_ids):
    return EventGroup.objects.filter(project__in=legacy_visible_projects(user)).in_bulk(group_ids)


def issue_activity(issue):
    """Every change of an issue, newest first (activity_list_by_issue)."""
    return issue.activities.select_related("user").order_by("-created_at", "-id")


def issue_comments(issue):
    return issue.comments.select_related("author").order_by("created_at", "id")


TOP_TAG_VALUES = 10


def issue_tags(issue, key=None):
    """[{"key", "total", "top": [{"value", "count"}]}]: each tag's top values, most frequent first (one query)."""
    rows = IssueTag.objects.filter(issue=issue)
    if key is not None:
        rows = rows.filter(key=key)
    ranked = (
        rows.annotate(
            rank=Window(RowNumber(), partition_by=F("key"), order_by=[F("count").desc(), F("value").asc()]),
            total=Window(Sum("count"), partition_by=F("key")),
        )
        .filter(rank__lte=TOP_TAG_VALUES)
        .order_by("key", "rank")
        .values_list("key", "total", "value", "count")
    )
    tags = {}
    for tag_key, total, value, count in ranked:
        tag = tags.setdefault(tag_key, {"key": tag_key, "total": total, "top": []})
        tag["top"].append({"value": value, "count": count})
    return list(tags.values())


# period: (bucket width, buckets); the last bucket is the current, partial hour or day.
STATS_PERIODS = {"24h": (timedelta(hours=1), 24), "14d": (timedelta(days=1), 14), "30d": (timedelta(days=1), 30)}


LIST_STATS_PERIODS = ("24h", "14d")


def _floored(moment, width):
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % int(width.total_seconds()), tz=UTC)


def issues_stats(issue_ids, period, now=None):
    """{issue_id: [{"start", "count"}, ...]}: events per hour or day over `period`, zeros filled (one query)."""
    width, buckets = STATS_PERIODS[period]
    first = _floored(now or timezone.now(), width) - width * (buckets - 1)
    starts = [first + width * n for n in range(buckets)]
    counts = defaultdict(lambda: defaultdict(int))
    rows = IssueBucket.objects.filter(issue_id__in=issue_ids, start__gte=first)
    for issue_id, start, count in rows.values_list("issue_id", "start", "count"):
        counts[issue_id][_floored(start, width)] += count
    return {
        issue_id: [{"start": start, "count": counts[issue_id][start]} for start in starts] for issue_id in issue_ids
    }


# ---- The admin console: stream, issue and event pages, dashboard ----


def events_stats(user, period, now=None):
    """[{"start", "count"}, ...]: events of every issue the user sees, per hour or day (the dashboard's chart)."""
    width, buckets = STATS_PERIODS[period]
    first = _floored(now or timezone.now(), width) - width * (buckets - 1)
    truncate = TruncHour if width < timedelta(days=1) else TruncDay
    rows = (
        IssueBucket.objects.filter(issue__project__in=visible_projects(user), start__gte=first)
        .annotate(bar=truncate("start"))
        .values("bar")
        .annotate(total=Sum("count"))
        .order_by()
    )
    counts = {row["bar"]: row["total"] for row in rows}
    return [{"start": first + width * n, "count": counts.get(first + width * n, 0)} for n in range(buckets)]


def environment_names(user, limit=30):
    """The environments of the user's projects (the stream's filter; the pipeline records them)."""
    names = Environment.objects.filter(project__in=visible_projects(user)).values_list("name", flat=True)
    return list(names.distinct().order_by("name")[:limit])


def recent_releases(user, limit=30):
    """Releases the user's issues were last seen in, newest first (the stream's filter). From
    the issues, not the per-issue tag rows: those are an issue count times larger to scan."""
    rows = Issue.objects.filter(project__in=visible_projects(user)).exclude(last_release="")
    rows = rows.values("last_release").annotate(seen=Max("last_seen")).order_by("-seen")[:limit]
    return [row["last_release"] for row in rows]


def possible_assignees(user):
    """Members of the projects the user sees: whom the console offers to assign issues to."""
    return User.objects.filter(memberships__project__in=visible_projects(user)).distinct().order_by("email")


def visible_groups(user):
    return (
        EventGroup.objects.filter(project__in=visible_projects(user))
        .select_related("project")
        .order_by("project__name", "name")
    )


def issue_events(issue):
    """An issue's events, newest first (on the event_list_by_issue index)."""
    return issue.events.order_by("-timestamp", "-id")


def neighbour_events(event):
    """(older, newer) events of the same issue, for the event page's previous/next links."""
    if event.issue_id is None:
        return None, None
    events = Event.objects.filter(issue_id=event.issue_id).only("id", "timestamp")
    older = Q(timestamp__lt=event.timestamp) | Q(timestamp=event.timestamp, id__lt=event.id)
    newer = Q(timestamp__gt=event.timestamp) | Q(timestamp=event.timestamp, id__gt=event.id)
    return (
        events.filter(older).order_by("-timestamp", "-id").first(),
        events.filter(newer).order_by("timestamp", "id").first(),
    )


@dataclass
class Dashboard:
    events: int
    new_issues: int
    regressions: int
    users_affected: int
    chart: list
    top_issues: list
    escalating: list


def dashboard(user, *, now, top=10):
    """The admin index: the last 24 hours over the projects the user sees."""
    since = now - timedelta(hours=24)
    projects = visible_projects(user)
    recent_buckets = IssueBucket.objects.filter(issue__project__in=projects, start__gte=since)
    top_counts = list(
        recent_buckets.values("issue_id").annotate(recent=Sum("count")).order_by("-recent", "issue_id")[:top]
    )
    issues = Issue.objects.select_related("project").in_bulk([row["issue_id"] for row in top_counts])
    top_issues = []
    for row in top_counts:
        issue = issues[row["issue_id"]]
        issue.recent_count = row["recent"]
        top_issues.append(issue)
    chart = events_stats(user, "24h", now)
    return Dashboard(
        events=sum(bar["count"] for bar in chart),
        new_issues=Issue.objects.filter(project__in=projects, first_seen__gte=since).count(),
        regressions=IssueActivity.objects.filter(
            issue__project__in=projects, kind=IssueActivity.Kind.REGRESSED, created_at__gte=since
        ).count(),
        users_affected=Event.objects.filter(project__in=projects, timestamp__gte=since)
        .exclude(user="")
        .values("user")
        .distinct()
        .count(),
        chart=chart,
        top_issues=top_issues,
        escalating=list(
            Issue.objects.filter(
                project__in=projects, status=Issue.Status.UNRESOLVED, substatus=Issue.Substatus.ESCALATING
            )
            .select_related("project")
            .order_by("-last_seen", "-id")[:top]
        ),
    )


# Event pages: what each renderer shows, read from the normalized event. Keys a format does
# not fill are absent and their panel is not shown.


def _frame_view(frame, any_in_app_flag):
    lineno = frame.get("lineno")
    pre, post = frame.get("pre_context") or [], frame.get("post_context") or []
    lines = []
    # Periskop's Go frames carry an empty context line: nothing to show.
    if frame.get("context_line") or pre or post:
        first = lineno - len(pre) if isinstance(lineno, int) else None
        numbered = [*pre, frame.get("context_line") or "", *post]
        lines = [
            {"number": None if first is None else first + i, "text": text, "current": i == len(pre)}
            for i, text in enumerate(numbered)
        ]
    variables = frame.get("vars") if isinstance(frame.get("vars"), dict) else {}
    return {
        "filename": frame.get("filename") or frame.get("abs_path") or frame.get("module") or "?",
        "module": frame.get("module") or "",
        "function": frame.get("function") or "?",
        "lineno": lineno,
        "colno": frame.get("colno"),
        # A format that never says which frames are the app's: show them all expanded.
        "in_app": bool(frame.get("in_app")) if any_in_app_flag else True,
        "lines": lines,
        "vars": sorted((str(k), _shown(v)) for k, v in variables.items()),
    }


def _shown(value):
    return value if isinstance(value, str) else json.dumps(value, indent=1, default=str, ensure_ascii=False)


def _frames_view(frames):
    """Most recent call first, as Sentry shows them (formats store them innermost last)."""
    frames = [f for f in frames or [] if isinstance(f, dict)]
    any_in_app_flag = any(f.get("in_app") for f in frames)
    return [_frame_view(f, any_in_app_flag) for f in reversed(frames)]


def _exception_chain(event):
    """The chain as raised last first; the normalized `exceptions` when the format kept it."""
    chain = event.data.get("exceptions") if isinstance(event.data, dict) else None
    if isinstance(chain, list) and chain:
        return [
            {
                "type": item.get("type") or "",
                "value": item.get("value") or "",
                "module": item.get("module") or "",
                "mechanism": item.get("mechanism"),
                "frames": _frames_view(item.get("frames") or (item.get("stacktrace") or {}).get("frames")),
            }
            for item in reversed(chain)
            if isinstance(item, dict)
        ]
    if not (event.exception_type or event.exception_value or event.frames):
        return []
    return [
        {
            "type": event.exception_type,
            "value": event.exception_value,
            "module": "",
            "mechanism": event.data.get("mechanism") if isinstance(event.data, dict) else None,
            "frames": _frames_view(event.frames),
        }
    ]


def _rows(mapping):
    """A mapping (or Sentry's [[key, value], ...]) as sorted (key, shown value) rows."""
    if isinstance(mapping, list):
        mapping = dict(pair for pair in mapping if isinstance(pair, list | tuple) and len(pair) == 2)
    if not isinstance(mapping, dict):
        return []
    return sorted((str(key), _shown(value)) for key, value in mapping.items() if value not in (None, "", {}, []))


def _request_view(data):
    request = data.get("request") or data.get("http_context")
    if not isinstance(request, dict):
        return None
    known = {"method", "url", "request_method", "request_url", "headers", "request_headers"}
    return {
        "method": request.get("method") or request.get("request_method") or "",
        "url": request.get("url") or request.get("request_url") or "",
        "headers": _rows(request.get("headers") or request.get("request_headers")),
        "other": _rows({k: v for k, v in request.items() if k not in known}),
    }


def _breadcrumbs_view(data):
    crumbs = data.get("breadcrumbs")
    if isinstance(crumbs, dict):
        crumbs = crumbs.get("values")
    if not isinstance(crumbs, list):
        return []
    return [
        {
            "timestamp": crumb.get("timestamp") or "",
            "category": crumb.get("category") or crumb.get("type") or "",
            "level": crumb.get("level") or "",
            "message": crumb.get("message") or "",
            "data": _shown(crumb["data"]) if crumb.get("data") else "",
        }
        for crumb in crumbs
        if isinstance(crumb, dict)
    ]


def event_details(event):
    """What the event renderers show: exception chain with frames, tags, user, request,
    breadcrumbs, contexts and the raw payload."""
    data = event.data if isinstance(event.data, dict) else {}
    tags = {"level": event.level, "environment": event.environment, "release": event.release,
            "platform": event.platform, **(event.tags if isinstance(event.tags, dict) else {})}  # fmt: skip
    # The reporter's user object (Sentry's, kept in data or as sent), else the one name we keep.
    raw = event.raw if isinstance(event.raw, dict) else {}
    user = next((u for u in (data.get("user"), raw.get("user")) if isinstance(u, dict) and u), {"id": event.user})
    contexts = data.get("contexts") if isinstance(data.get("contexts"), dict) else {}
    return {
        "exceptions": _exception_chain(event),
        # HealthGuard sends its stack as one string.
        "stack_text": data.get("stack") if isinstance(data.get("stack"), str) else "",
        "tags": _rows(tags),
        "user": _rows(user),
        "request": _request_view(data),
        "breadcrumbs": _breadcrumbs_view(data),
        "contexts": [(name, _rows(values)) for name, values in sorted(contexts.items()) if _rows(values)],
        "extra": _rows(data.get("extra")),
        "raw": json.dumps(event.raw, indent=2, sort_keys=True, default=str, ensure_ascii=False),
    }


def set_aside_events(user, limit=10):
    """Events the digest set aside (digest_error), newest first: the dashboard's panel."""
    return (
        visible_events(user)
        .filter(digested=False)
        .exclude(digest_error="")
        .select_related("project")
        .order_by("-id")[:limit]
    )
