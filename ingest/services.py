"""Writes of the ingest surfaces that need more than pipeline.accept(): Periskop's counting."""

import uuid
from dataclasses import replace

from django.db import transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from ingest import pipeline
from ingest.formats.common import IncomingEvent
from ingest.formats.periskop import MAX_LATEST_ERRORS
from ingest.models import PeriskopCounter
from issues.grouping import bounded
from issues.models import Event, Source

# An Event standing only for occurrences a push counted without sending a new error.
COUNT_ONLY_KIND = "count"


def _count_deltas(project, push, now):
    """Per key, occurrences since the collector's previous push (the Periskop server's rule).

    The counters are locked, so concurrent or retried pushes of one collector never count
    the same total twice. A total below the remembered one means the collector restarted
    without a new target_uuid: all of it is new.
    """
    tracked = {bounded(a.aggregation_key): a for a in push.aggregates if a.total_count is not None}
    if not tracked:
        return {}
    PeriskopCounter.objects.bulk_create(
        [PeriskopCounter(project=project, target_uuid=push.target_uuid, aggregation_key=key) for key in tracked],
        ignore_conflicts=True,
    )
    counters = list(
        PeriskopCounter.objects.select_for_update()
        .filter(project=project, target_uuid=push.target_uuid, aggregation_key__in=list(tracked))
        .order_by("id")
    )
    deltas = {}
    for counter in counters:
        aggregate = tracked[counter.aggregation_key]
        # A collector cannot have counted fewer errors than it sends.
        total = max(aggregate.total_count, len(aggregate.errors))
        previous = counter.last_total_count
        deltas[aggregate.aggregation_key] = total - previous if total >= previous else total
        counter.last_total_count = total
        counter.updated_at = now
    PeriskopCounter.objects.bulk_update(counters, ["last_total_count", "updated_at"])
    return deltas


def _counted(aggregate, new_errors, delta, target_uuid, now):
    """The events to store for one key, their counts summing to the delta.

    Pushes are cumulative, so errors already stored come back and some new ones may be
    old ones the 10-per-key cap dropped earlier: the newest new errors carry the delta,
    the rest are kept as samples with count 0. More occurrences than new errors go on the
    oldest new one, or on a count-only event when the push sent no new error.
    """
    if delta is None:
        return new_errors
    for position, event in enumerate(reversed(new_errors)):
        event.count = 1 if position < delta else 0
    if delta > len(new_errors):
        if new_errors:
            new_errors[0].count += delta - len(new_errors)
        else:
            return [_count_only(aggregate, delta, target_uuid, now)]
    return new_errors


def _count_only(aggregate, delta, target_uuid, now):
    event_id = f"count-{uuid.uuid4()}"
    if aggregate.errors:
        return replace(aggregate.errors[-1], event_id=event_id, kind=COUNT_ONLY_KIND, count=delta, timestamp=now)
    key = aggregate.aggregation_key
    return IncomingEvent(
        event_id=event_id,
        timestamp=now,
        kind=COUNT_ONLY_KIND,
        level=aggregate.severity,
        title=key,
        fingerprint=key,
        count=delta,
        data={"aggregation_key": key, "target_uuid": target_uuid, "severity": aggregate.severity},
    )


def _keep_latest_errors(project, keys):
    """Periskop keeps the newest 10 errors per key; older digested events (and count-only
    ones, already counted) are dropped. Two queries, however many keys the push touched."""
    digested = Event.objects.filter(
        issue__project=project, issue__fingerprint__in=[bounded(k) for k in keys], source=Source.PERISKOP
    )
    newest_first = (F("timestamp").desc(), F("id").desc())
    ranked = digested.filter(kind="error").annotate(
        position=Window(RowNumber(), partition_by=F("issue_id"), order_by=newest_first)
    )
    older = list(ranked.filter(position__gt=MAX_LATEST_ERRORS).values_list("id", flat=True))
    digested.filter(Q(id__in=older) | ~Q(kind="error")).delete()


def record_periskop_push(project, push):
    """Store a push's new errors (once per uuid) so each key's issue grows by its count delta."""
    now = timezone.now()
    with transaction.atomic():
        deltas = _count_deltas(project, push, now)
        pushed_ids = [e.event_id for a in push.aggregates for e in a.errors]
        seen = set(Event.objects.filter(project=project, event_id__in=pushed_ids).values_list("event_id", flat=True))
        incoming, touched = [], set()
        for aggregate in push.aggregates:
            new_errors = []
            for event in aggregate.errors:
                if event.event_id not in seen:
                    seen.add(event.event_id)
                    new_errors.append(event)
            events = _counted(aggregate, new_errors, deltas.get(aggregate.aggregation_key), push.target_uuid, now)
            if events:
                incoming += events
                touched.add(aggregate.aggregation_key)
        if not incoming:
            return 0
        pipeline.accept(project, Source.PERISKOP, incoming)
        _keep_latest_errors(project, touched)
    return sum(e.count for e in incoming)
