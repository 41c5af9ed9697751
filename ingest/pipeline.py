"""The one pipeline every wire format goes through (docs/architecture.md, "Ingest path").

Two ways in, one statement each, committed before the request is answered:
queue() stores checked payloads as sent (QueuedEvent; the Sentry SDK routes, the hot path),
accept() stores events a surface normalized itself (Event rows waiting for the digest;
Periskop's counting, the webhooks, HealthGuard, Eventsum). Either then asks for a digest.

The digest takes a batch in one short transaction: queued payloads are read into Events
(one that cannot be is set aside with its reason) and stored already grouped, in the
transaction that deletes them; waiting Events are fingerprinted and updated. Both go through
issues.lifecycle (counters, new issues, regressions) and add time buckets, in bulk. An event
is counted in the transaction that takes it off its queue, so digesting twice never counts twice.
"""

import logging
from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import quotas
from accounts.models import Environment
from errorhub import bulk
from errorhub.celery import app as celery_app
from errorhub.payload import PayloadError, parse_json
from ingest import digest_requests
from ingest.digester import SWEEP_SECONDS, BackgroundPass
from ingest.formats import sentry_envelope
from ingest.formats.common import accepted_timestamp
from ingest.formats.scrubbing import scrubbed
from ingest.models import QueuedEvent
from issues import lifecycle
from issues.counters import add_counts
from issues.grouping import bounded, fingerprint_for
from issues.models import Event, IssueBucket, Source

logger = logging.getLogger(__name__)

# The database's failures, not an event's: a digest that meets one leaves its batch queued.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def _fitted(field, value):
    """Free text cut to its Event column, here once rather than in every format."""
    return value[: Event._meta.get_field(field).max_length]


# How the digest reads each source's queued payloads: (payload, event_id, received_at) → IncomingEvent.
READERS = {Source.SENTRY: sentry_envelope.event_from_item}


def event_row(project_id, source, incoming, received_at):
    timestamp = accepted_timestamp(incoming.timestamp, received_at)
    data = {**incoming.data, "title": incoming.title, "culprit": incoming.culprit, "error_type": incoming.error_type}
    if incoming.timestamp is not None and timestamp != incoming.timestamp:
        # Kept as sent (Relay records it likewise), readable whatever its year or offset.
        data["original_timestamp"] = _as_sent(incoming.timestamp)
    return Event(
        project_id=project_id,
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
    rows = [event_row(project.pk, source, incoming, received_at) for incoming in incoming_events]
    with transaction.atomic():
        Event.objects.bulk_create(rows, ignore_conflicts=True)
    request_digest()
    return len(rows)


def queue(project, source, items):
    """Store checked payloads as sent (items with event_id and payload bytes), for READERS[source].

    One INSERT, in autocommit: durable when it returns, without a BEGIN and COMMIT of its own.
    An event id the project has queued already is ignored (a retry); one it has digested already
    is dropped by the digest. Over quota nothing is stored: quotas.QuotaExceeded is the 429.
    """
    quotas.admit(project, len(items))
    if not items:
        return
    received_at = connection.ops.adapt_datetimefield_value(timezone.now())
    bulk.insert_missing(
        QueuedEvent,
        ["project_id", "source", "event_id", "received_at", "payload"],
        [(project.pk, source, item.event_id, received_at, item.payload) for item in items],
        returning=False,
    )
    request_digest()


def request_digest():
    """Ask for a digest of what was just accepted; the request does not wait for it.

    With a broker the worker digests, asked by this process's background pass (the request
    never waits for Redis); without one this process's background digest (ingest.digester).
    Both are woken once the rows are committed: neither sees them before.
    ERRORHUB_DIGEST_IN_REQUEST digests inside the request instead, on the request's own
    connection (the tests' in-process client, whose transaction no other thread sees); a
    failing digest never takes the accepted events with it: they wait for the next one.
    """
    if not celery_app.conf.task_always_eager:
        transaction.on_commit(_digest_asker.wake)
    elif not settings.ERRORHUB_DIGEST_IN_REQUEST:
        transaction.on_commit(_digester.wake)
    else:
        try:
            digest_all()
        except Exception:
            logger.exception("digest failed; the events stay queued for the next digest")


def digest_all():
    total = 0
    while digested := digest_queued_batch() + digest_batch():
        total += digested
    return total


_digester = BackgroundPass(
    "digest", digest_all, sweep_seconds=SWEEP_SECONDS, gather_seconds=settings.ERRORHUB_DIGEST_GATHER_MS / 1000
)
# The asks of a few milliseconds' requests are one Redis round trip, not one per request.
_digest_asker = BackgroundPass("digest request", digest_requests.request_digest, gather_seconds=0.005)


def digest_waiting(project, fingerprint):
    """Digest now the waiting events of one issue (not the whole queue); returns how many."""
    total = 0
    while digested := digest_batch(project=project, fingerprint=fingerprint):
        total += digested
    return total


def _queue(filters):
    """Events waiting for the digest: neither digested nor set aside (event_digest_queue)."""
    return Event.objects.filter(digested=False, digest_error="", **filters)


def _claimed(queue, limit):
    if connection.features.has_select_for_update_skip_locked:
        # Parallel workers take disjoint batches instead of waiting on each other.
        queue = queue.select_for_update(skip_locked=True)
    return list(queue.order_by("id")[:limit])


def _batch_or_one_by_one(digest, queue, set_aside, limit, filters):
    """Digest a batch; when it fails, its events one by one, setting aside one that fails alone.

    One event never stops the digest: the others go through, and the one set aside is kept
    with its digest_error (shown in the admin and the API, out of the queue). A database
    failure is not an event's: it leaves the batch queued for the next digest.
    """
    limit = limit or settings.ERRORHUB_DIGEST_BATCH_SIZE
    try:
        return digest(limit, filters)
    except DATABASE_UNAVAILABLE:
        raise
    except Exception:
        logger.exception("a digest batch failed; digesting its events one by one")
    ids = list(queue.filter(**filters).order_by("id").values_list("id", flat=True)[:limit])
    for row_id in ids:
        try:
            digest(1, {**filters, "id": row_id})
        except DATABASE_UNAVAILABLE:
            raise
        except Exception as exc:
            set_aside(row_id, exc)
    return len(ids)


def digest_batch(limit=None, **filters):
    """Digest up to `limit` waiting Events (matching `filters`); returns how many left the queue."""
    return _batch_or_one_by_one(_digest, _queue({}), _set_aside, limit, filters)


def digest_queued_batch(limit=None):
    """Read, group and store up to `limit` queued payloads as Events; returns how many left the queue."""
    return _batch_or_one_by_one(_digest_queued, QueuedEvent.objects.all(), _set_aside_queued, limit, {})


def _digest(limit, filters):
    """One batch in one transaction: all of it is counted, or none of it."""
    with transaction.atomic():
        # The payload as received is never read here; up to a MiB an event is not worth loading.
        events = _claimed(_queue(filters).defer("raw"), limit)
        if not events:
            return 0
        _group(events)
        bulk.update_each(events, ["digested", "fingerprint", "issue"])
        _record_environments(events)
    return len(events)


def _digest_queued(limit, filters):
    """One batch of queued payloads in one transaction: stored and counted, or left queued."""
    with transaction.atomic():
        queued = _claimed(QueuedEvent.objects.filter(**filters), limit)
        if not queued:
            return 0
        digested = _stored_event_ids(queued)
        events = [_read(row) for row in queued if (row.project_id, row.event_id) not in digested]
        _group([event for event in events if not event.digest_error])
        bulk.insert_new(events)
        _record_environments(events)
        QueuedEvent.objects.filter(id__in=[row.id for row in queued]).delete()
    return len(queued)


def _stored_event_ids(queued):
    """(project_id, event_id) of the queued events already stored: a client's retry after the digest."""
    wanted = defaultdict(list)
    for row in queued:
        wanted[row.project_id].append(row.event_id)
    condition = Q()
    for project_id, event_ids in wanted.items():
        condition |= Q(project_id=project_id, event_id__in=event_ids)
    return set(Event.objects.filter(condition).values_list("project_id", "event_id"))


def _read(row):
    """The Event a queued payload stands for, or one set aside with the reason it cannot be read."""
    try:
        incoming = READERS[row.source](bytes(row.payload), row.event_id, row.received_at)
    except Exception as exc:  # a reader is a pure function: whatever it raises is this payload's fault
        return _set_aside_row(row, exc)
    return event_row(row.project_id, row.source, incoming, row.received_at)


def _group(events):
    """Fingerprint the events, count them into their issues (created as needed) and time buckets."""
    by_issue = defaultdict(list)
    for event in events:
        event.digested = True
        if event.groupable:
            event.fingerprint = event.fingerprint or fingerprint_for(event)
            by_issue[(event.project_id, event.fingerprint)].append(event)
    if not by_issue:
        return
    issues = lifecycle.record_occurrences(by_issue)
    for key, group in by_issue.items():
        for event in group:
            event.issue = issues[key]
    _count_buckets(by_issue, issues)


def _reason(exc):
    # The exception's own line names the cause; the log has the traceback.
    return f"{type(exc).__name__}: {exc}"[:2000]


def _set_aside(event_id, exc):
    reason = _reason(exc)
    logger.error("event %s set aside by the digest: %s", event_id, reason)
    Event.objects.filter(id=event_id, digested=False, digest_error="").update(digest_error=reason)


def _set_aside_row(row, exc):
    reason = _reason(exc)
    logger.error("queued event %s set aside by the digest: %s", row.event_id, reason, exc_info=exc)
    try:
        payload = scrubbed(parse_json(bytes(row.payload), "event"))
    except PayloadError:
        payload = {"payload": bytes(row.payload).decode("utf-8", "replace")}
    return Event(
        project_id=row.project_id,
        source=row.source,
        event_id=row.event_id,
        timestamp=row.received_at,
        received_at=row.received_at,
        digest_error=reason,
        raw=payload,
    )


def _set_aside_queued(queued_id, exc):
    with transaction.atomic():
        row = QueuedEvent.objects.select_for_update().filter(id=queued_id).first()
        if row is None:
            return
        bulk.insert_new([_set_aside_row(row, exc)])
        row.delete()


def _count_buckets(by_issue, issues):
    """The batch's counts added to the issues' time buckets, one upsert per chunk of rows."""
    counts = defaultdict(int)
    adapt = connection.ops.adapt_datetimefield_value
    for key, group in by_issue.items():
        for event in group:
            counts[(issues[key].id, adapt(lifecycle.bucket_start(event.timestamp)))] += event.count
    add_counts(IssueBucket, ["issue_id", "start"], counts)


def _record_environments(events):
    seen = {(e.project_id, e.environment) for e in events if e.environment}
    Environment.objects.bulk_create(
        [Environment(project_id=project_id, name=name) for project_id, name in seen], ignore_conflicts=True
    )
