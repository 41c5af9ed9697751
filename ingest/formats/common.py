"""The common event structure every wire format is turned into, and the error a format raises."""

import json
from dataclasses import dataclass, field
from datetime import datetime


class PayloadError(ValueError):
    """The payload is not acceptable; `field` names where (dotted path, e.g. "events.0.appKey")."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


def parse_json(raw, field="", label="Body"):
    """JSON bytes → value, or a PayloadError naming `field` ("<label> is not valid JSON")."""
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PayloadError(field, f"{label} is not valid JSON") from None
    # PostgreSQL text and jsonb cannot store U+0000: replace it rather than fail the insert (a 500).
    return _without_nul(value) if b"\\u0000" in raw else value


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


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
