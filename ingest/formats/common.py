"""The common event structure every wire format is turned into."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# Relay's clock-drift rule: an event dated more than a minute after its arrival, or before
# 1970, is dated at its arrival (a year-9999 time otherwise overflows every date computation).
MAX_CLOCK_AHEAD = timedelta(minutes=1)
EARLIEST_TIMESTAMP = datetime(1970, 1, 1, tzinfo=UTC)


def accepted_timestamp(timestamp, received_at):
    """The time an event is stored with: its own if readable and within bounds, else received_at."""
    try:
        if EARLIEST_TIMESTAMP <= timestamp <= received_at + MAX_CLOCK_AHEAD:
            return timestamp.astimezone(UTC)
    except (TypeError, OverflowError):
        pass  # None, naive, or not a datetime at all: unreadable
    return received_at


@dataclass
class IncomingEvent:
    event_id: str
    timestamp: datetime
    # What the reporter calls the event (HealthGuard: error, http, performance, breadcrumb).
    kind: str = "error"
    level: str = "error"
    platform: str = ""
    message: str = ""
    title: str = ""
    culprit: str = ""
    error_type: str = ""
    exception_type: str = ""
    exception_value: str = ""
    # Stack frames, innermost last (Sentry order): dicts with filename, module, function, lineno, in_app.
    frames: list = field(default_factory=list)
    user: str = ""
    environment: str = ""
    release: str = ""
    tags: dict = field(default_factory=dict)
    # An explicit grouping key from the reporter; empty lets the digest compute one.
    fingerprint: str = ""
    # Occurrences this event stands for (Periskop counts by total_count deltas).
    count: int = 1
    # False for events that are kept but never make an issue (ok HTTP calls, performance, breadcrumbs).
    groupable: bool = True
    data: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)
