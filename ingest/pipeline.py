"""The one pipeline every wire format goes through.

accept(): makes a request's events durable with a single INSERT, then asks for a digest.
digest_batch(): claims undigested events, fingerprints them, has issues.lifecycle record
them (counters, new issues, regressions) and adds time buckets, in bulk, inside one short
transaction. An event is marked digested in the same transaction
that counts it, so digesting twice never counts twice.
"""

import logging
from collections import defaultdict
from datetime import UTC, datetime

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from accounts import quotas
from accounts.models import Environment
from errorhub.celery import app as celery_app
from ingest import digest_requests
from ingest.digester import Digester
from ingest.formats.common import accepted_timestamp
from issues import lifecycle
from issues.grouping import bounded, fingerprint_for
from issues.models import Event, IssueBucket

logger = logging.getLogger(__name__)

# The database's failures, not an event's: a digest that meets one leaves its batch queued.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def _fitted(field, value):
    """Free text cut to its Event column, here once rather than in every format."""
    return value[: Event._meta.get_field(field).max_length]


def event_row(project, source, incoming, received_at):
    timestamp = accepted_timestamp(incoming.timestamp, received_at)
    data = {**incoming.data, "title": incoming.title, "culprit": incoming.culprit, "error_type": incoming.error_type}
    if incoming.timestamp is not None and timestamp != incoming.timestamp:
        # Kept as sent (Relay records it likewise), readable whatever its year or offset.
        data["original_timestamp"] = _as_sent(incoming.timestamp)
    return Event(
        project=project,
        source=source,
        event_id=incoming.event_id,
        kind=incoming.kind,
        timestamp=timestamp,
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
        data=data,
        raw=incoming.raw,
    )


def _as_sent(timestamp):
    return timestamp.isoformat() if isinstance(timestamp, datetime) else str(timestamp)


def accept(project, source, incoming_events):
    """Store events durably; an event id the project already has is ignored (idempotent retries).

    Over quota nothing is stored: quotas.QuotaExceeded is the surface's 429.
    """
    quotas.admit(project, len(incoming_events))
    received_at = timezone.now()
    rows = [event_row(project, source, incoming, received_at) for incoming in incoming_events]
    with transaction.atomic():
        Event.objects.bulk_create(rows, ignore_conflicts=True)
    request_digest()
    return len(rows)


def request_digest():
    """Ask for a digest of what was just accepted; the request does not wait for it.

    With a broker the worker digests; without one this process's background digester
    (ingest.digester). Both are asked once the rows are committed: neither sees them before.
    ERRORHUB_DIGEST_IN_REQUEST digests inside the request instead, on the request's own
    connection (the tests' in-process client, whose transaction no other thread sees); a
    failing digest never takes the accepted events with it: they wait for the next one.
    """
    if not celery_app.conf.task_always_eager:
        transaction.on_commit(digest_requests.request_digest)
    elif not settings.ERRORHUB_DIGEST_IN_REQUEST:
        transaction.on_commit(_digester.wake)
    else:
        try:
            digest_all()
        except Exception:
            logger.exception("digest failed; the events stay queued for the next digest")


def digest_all():
    total = 0
    while digested := digest_batch():
        total += digested
    return total


_digester = Digester(drain=digest_all)


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


def _queue(filters):
    """Events waiting for the digest: neither digested nor set aside (event_digest_queue)."""
    return Event.objects.filter(digested=False, digest_error="", **filters)


def _claim_batch(limit, filters):
    # The payload as received is never read here; up to a MiB an event is not worth loading.
    queue = _queue(filters).order_by("id").defer("raw")
    if connection.features.has_select_for_update_skip_locked:
        # Parallel workers take disjoint batches instead of waiting on each other.
        queue = queue.select_for_update(skip_locked=True)
    return list(queue[:limit])


def digest_batch(limit=None, **filters):
    """Digest up to `limit` queued events (matching `filters`); returns how many left the queue.

    One event never stops the digest: when a batch fails, its events are digested one by one,
    and one that fails alone too is set aside with its digest_error (kept, shown in the admin
    and the API, out of the queue) while the others go through. A database failure is not an
    event's: it leaves the batch queued for the next digest.
    """
    limit = limit or settings.ERRORHUB_DIGEST_BATCH_SIZE
    try:
        return _digest(limit, filters)
    except DATABASE_UNAVAILABLE:
        raise
    except Exception:
        logger.exception("a digest batch failed; digesting its events one by one")
    event_ids = list(_queue(filters).order_by("id").values_list("id", flat=True)[:limit])
    for event_id in event_ids:
        try:
            _digest(1, {**filters, "id": event_id})
        except DATABASE_UNAVAILABLE:
            raise
        except Exception as exc:
            _set_aside(event_id, exc)
    return len(event_ids)


def _digest(limit, filters):
    """One batch in one transaction: all of it is counted, or none of it."""
    with transaction.atomic():
        events = _claim_batch(limit, filters)
        if not events:
            return 0
        by_issue = defaultdict(list)
        for event in events:
            event.digested = True
            if event.groupable:
                event.fingerprint = event.fingerprint or fingerprint_for(event)
                by_issue[(event.project_id, event.fingerprint)].append(event)
        if by_issue:
            issues = lifecycle.record_occurrences(by_issue)
            for key, group in by_issue.items():
                for event in group:
                    event.issue = issues[key]
            _count_buckets(by_issue, issues)
        Event.objects.bulk_update(events, ["digested", "fingerprint", "issue"])
        _record_environments(events)
    return len(events)


def _set_aside(event_id, exc):
    # The exception's own line names the cause; the log above has the traceback.
    reason = f"{type(exc).__name__}: {exc}"[:2000]
    logger.error("event %s set aside by the digest: %s", event_id, reason)
    Event.objects.filter(id=event_id, digested=False, digest_error="").update(digest_error=reason)


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
