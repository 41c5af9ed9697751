"""The one pipeline every wire format goes through.

accept(): makes a request's events durable with a single INSERT, then asks for a digest.
digest_batch(): turns undigested events into issue counters, time buckets and regressions,
in bulk, inside one short transaction. An event is marked digested in the same transaction
that counts it, so digesting twice never counts twice.
"""

import logging
from collections import defaultdict
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import Environment
from errorhub.celery import app as celery_app
from issues.grouping import bounded, fingerprint_for
from issues.models import DEFAULT_GROUP_NAME, Event, EventGroup, Issue, IssueActivity, IssueBucket
from issues.services import regress

logger = logging.getLogger(__name__)


def _fitted(field, value):
    """Free text cut to its Event column, here once rather than in every format."""
    return value[: Event._meta.get_field(field).max_length]


def event_row(project, source, incoming, received_at):
    return Event(
        project=project,
        source=source,
        event_id=incoming.event_id,
        kind=incoming.kind,
        timestamp=incoming.timestamp,
        received_at=received_at,
        level=incoming.level,
        platform=_fitted("platform", incoming.platform),
        message=incoming.message,
        exception_type=_fitted("exception_type", incoming.exception_type),
        exception_value=incoming.exception_value,
        frames=incoming.frames,
        user=_fitted("user", incoming.user),
        environment=_fitted("environment", incoming.environment),
        release=_fitted("release", incoming.release),
        tags=incoming.tags,
        fingerprint=bounded(incoming.fingerprint) if incoming.fingerprint else "",
        count=incoming.count,
        groupable=incoming.groupable,
        data={**incoming.data, "title": incoming.title, "culprit": incoming.culprit, "error_type": incoming.error_type},
        raw=incoming.raw,
    )


def accept(project, source, incoming_events):
    """Store events durably; an event id the project already has is ignored (idempotent retries)."""
    received_at = timezone.now()
    rows = [event_row(project, source, incoming, received_at) for incoming in incoming_events]
    with transaction.atomic():
        Event.objects.bulk_create(rows, ignore_conflicts=True)
    request_digest()
    return len(rows)


def request_digest():
    """Digest now when tasks run in-process; else queue a digest for when the rows are committed.

    In-process, the digest shares our connection, so it sees the rows even inside a caller's
    transaction; a worker must not be asked before the commit makes them visible to it.
    A failing digest never takes the accepted events with it: they wait for the next one.
    """
    if not celery_app.conf.task_always_eager:
        transaction.on_commit(queue_digest)
        return
    try:
        digest_all()
    except Exception:
        logger.exception("digest failed; the events stay queued for the next digest")


def queue_digest():
    from ingest.tasks import digest

    try:
        digest.delay()
    except Exception:
        # The events are stored; beat's periodic digest picks them up once the broker is back.
        logger.exception("could not queue a digest; the periodic digest will catch up")


def digest_all():
    total = 0
    while digested := digest_batch():
        total += digested
    return total


def _bucket_start(timestamp):
    width = settings.ERRORHUB_BUCKET_SECONDS
    epoch = int(timestamp.timestamp())
    return datetime.fromtimestamp(epoch - epoch % width, tz=UTC)


def digest_waiting(project, fingerprint):
    """Digest now the waiting events of one issue (not the whole queue); returns how many."""
    total = 0
    while digested := digest_batch(project=project, fingerprint=fingerprint):
        total += digested
    return total


def _claim_batch(limit, filters):
    # The payload as received is never read here; up to a MiB an event is not worth loading.
    queue = Event.objects.filter(digested=False, **filters).order_by("id").defer("raw")
    if connection.features.has_select_for_update_skip_locked:
        # Parallel workers take disjoint batches instead of waiting on each other.
        queue = queue.select_for_update(skip_locked=True)
    return list(queue[:limit])


def digest_batch(limit=None, **filters):
    """Digest up to `limit` undigested events (matching `filters`); returns how many were digested."""
    with transaction.atomic():
        events = _claim_batch(limit or settings.ERRORHUB_DIGEST_BATCH_SIZE, filters)
        if not events:
            return 0
        by_issue = defaultdict(list)
        for event in events:
            event.digested = True
            if event.groupable:
                event.fingerprint = event.fingerprint or fingerprint_for(event)
                by_issue[(event.project_id, event.fingerprint)].append(event)
        if by_issue:
            issues = _upsert_issues(by_issue)
            for key, group in by_issue.items():
                for event in group:
                    event.issue = issues[key]
            _count_buckets(by_issue, issues)
        Event.objects.bulk_update(events, ["digested", "fingerprint", "issue"])
        _record_environments(events)
    return len(events)


def _upsert_issues(by_issue):
    project_ids = {project_id for project_id, _ in by_issue}
    default_groups = dict(
        EventGroup.objects.filter(project_id__in=project_ids, name=DEFAULT_GROUP_NAME).values_list("project_id", "id")
    )
    Issue.objects.bulk_create(
        [_new_issue(key, group, default_groups) for key, group in by_issue.items()],
        ignore_conflicts=True,
    )
    wanted = Q()
    for project_id in project_ids:
        wanted |= Q(project_id=project_id, fingerprint__in=[fp for pid, fp in by_issue if pid == project_id])
    # Locked in id order so concurrent digests never deadlock on the same issues.
    issues = {(i.project_id, i.fingerprint): i for i in Issue.objects.select_for_update().filter(wanted).order_by("id")}

    activities = []
    for key, group in by_issue.items():
        issue = issues[key]
        if issue.event_count == 0:
            activities.append(IssueActivity(issue=issue, kind=IssueActivity.Kind.FIRST_SEEN))
        elif issue.status == Issue.Status.RESOLVED:
            activities.append(regress(issue, group[0]))
        # Read, added and written back in Python: safe because the row is locked above.
        distribution = dict(issue.platform_distribution)
        for event in group:
            if event.platform:
                distribution[event.platform] = distribution.get(event.platform, 0) + event.count
        issue.platform_distribution = distribution
        newest = max(group, key=lambda e: e.timestamp)
        issue.last_release = newest.release or issue.last_release
        issue.event_count = F("event_count") + sum(e.count for e in group)
        issue.last_seen = Greatest(F("last_seen"), Value(newest.timestamp, output_field=DateTimeField()))
    Issue.objects.bulk_update(
        issues.values(), ["event_count", "last_seen", "status", "resolved_at", "platform_distribution", "last_release"]
    )
    IssueActivity.objects.bulk_create(activities)
    return issues


def _new_issue(key, group, default_groups):
    project_id, fingerprint = key
    first = group[0]
    data = first.data
    return Issue(
        project_id=project_id,
        fingerprint=fingerprint,
        title=(data.get("title") or first.message or first.exception_type or fingerprint)[:2000],
        culprit=(data.get("culprit") or "")[:500],
        level=first.level,
        source=first.source,
        error_type=(data.get("error_type") or first.exception_type)[:200],
        # first_seen is the first digested occurrence and never moves back (HealthGuard's rule);
        # last_seen starts there and the upsert raises it to the newest.
        first_seen=min(e.timestamp for e in group),
        last_seen=min(e.timestamp for e in group),
        event_count=0,
        group_id=default_groups.get(project_id),
        first_release=first.release,
        last_release=first.release,
    )


def _count_buckets(by_issue, issues):
    """One INSERT ... ON CONFLICT adds the batch's counts (PostgreSQL and SQLite alike)."""
    counts = defaultdict(int)
    for key, group in by_issue.items():
        for event in group:
            counts[(issues[key].id, _bucket_start(event.timestamp))] += event.count
    table = connection.ops.quote_name(IssueBucket._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    rows = ", ".join(["(%s, %s, %s)"] * len(counts))
    params = [value for (issue_id, start), n in counts.items() for value in (issue_id, adapt(start), n)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (issue_id, start, count) VALUES {rows} "
            f"ON CONFLICT (issue_id, start) DO UPDATE SET count = {table}.count + excluded.count",
            params,
        )


def _record_environments(events):
    seen = {(e.project_id, e.environment) for e in events if e.environment}
    Environment.objects.bulk_create(
        [Environment(project_id=project_id, name=name) for project_id, name in seen], ignore_conflicts=True
    )
