"""Event quotas: per project per minute and per hour, and one cap for the whole installation.

The one place the rule lives (docs/architecture.md, "Decisions": quotas). ingest.pipeline.accept asks
`admit` before it writes, so every surface is covered and a refused event is never stored.
Counting goes through errorhub.counters (no database write per request); refused events are
tallied there per project and moved to Project.rejected_events by `flush_rejected_events`
(beat, and a rejecting process at most every FLUSH_SECONDS), reads add what is still tallied.
"""

import logging
import time

from django.conf import settings
from django.db import connection
from django.db.models import F

from accounts.models import Project
from errorhub import counters
from errorhub.payload import PayloadError

logger = logging.getLogger(__name__)

REJECTED_TALLY = "rejected-events"
FLUSH_SECONDS = 10
# Relay's scope names (X-Sentry-Rate-Limits); one installation is one organization.
PROJECT_SCOPE, INSTALLATION_SCOPE = "project", "organization"


class QuotaExceeded(PayloadError):
    """429 with Retry-After, and X-Sentry-Rate-Limits in Relay's format so Sentry SDKs drop
    events locally until then (other clients ignore it)."""

    status = 429

    def __init__(self, window, scope, retry_after):
        per = "minute" if window.seconds == 60 else "hour"
        owner = "This project's" if scope == PROJECT_SCOPE else "This installation's"
        super().__init__(
            None,
            f"{owner} quota of {window.limit} events per {per} is used up; retry after {retry_after} s",
            code="QUOTA_EXCEEDED",
            headers={
                "Retry-After": str(retry_after),
                "X-Sentry-Rate-Limits": f"{retry_after}:error:{scope}:quota_exceeded",
            },
        )


def project_limits(project):
    """(events per minute, events per hour) for a project, 0 meaning none; a project's own
    value (None: the installation default) wins."""

    def chosen(own, default):
        return default if own is None else own

    return (
        chosen(project.events_per_minute, settings.ERRORHUB_PROJECT_EVENTS_PER_MINUTE),
        chosen(project.events_per_hour, settings.ERRORHUB_PROJECT_EVENTS_PER_HOUR),
    )


def _windows(project):
    per_minute, per_hour = project_limits(project)
    windows = []
    if per_minute:
        windows.append(counters.Window(f"project:{project.pk}:minute", 60, per_minute))
    if per_hour:
        windows.append(counters.Window(f"project:{project.pk}:hour", 3600, per_hour))
    if settings.ERRORHUB_INSTALLATION_EVENTS_PER_MINUTE:
        windows.append(counters.Window("installation:minute", 60, settings.ERRORHUB_INSTALLATION_EVENTS_PER_MINUTE))
    return windows


def admit(project, amount):
    """Count `amount` events of `project` against every quota, or raise QuotaExceeded.

    A request is admitted or refused whole (a batch is never half stored), and a refused one
    uses up no quota. Without limits nothing is counted at all.
    """
    windows = _windows(project)
    if not windows or amount <= 0:
        return
    refused = counters.store().admit(windows, amount, REJECTED_TALLY, str(project.pk))
    if refused is None:
        return
    window, retry_after = refused
    _flush_when_due()
    scope = INSTALLATION_SCOPE if window.name.startswith("installation:") else PROJECT_SCOPE
    raise QuotaExceeded(window, scope, retry_after)


_last_flush = 0.0


def _flush_when_due():
    global _last_flush
    # Inside a caller's transaction the refusal rolls our UPDATE back: leave it to the next one.
    if connection.in_atomic_block or time.monotonic() - _last_flush < FLUSH_SECONDS:
        return
    _last_flush = time.monotonic()
    flush_rejected_events()


def flush_rejected_events():
    """Move the tallied refusals onto the projects' rows; returns how many events."""
    tallied = counters.store().take(REJECTED_TALLY)
    for project_id, count in tallied.items():
        Project.objects.filter(pk=project_id).update(rejected_events=F("rejected_events") + count)
    return sum(tallied.values())


def rejected_events(project):
    """Events refused over quota, all time: the row plus what is still tallied."""
    return project.rejected_events + counters.store().peek(REJECTED_TALLY, str(project.pk))
