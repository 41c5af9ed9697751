"""Fingerprints: which events are the same issue.

An explicit key from the reporter wins (HealthGuard fingerprint, Periskop aggregation key,
Eventsum hash, upstream Sentry issue id). Otherwise, as Sentry and Bugsink do: the exception
type plus the in-app frames (module or file, and function; line numbers ignored so a
deploy does not split issues), else the type plus the first line of the value, else the
message. Numbers, hex ids and UUIDs are masked so "user 41 not found" and "user 42 not
found" stay one issue.
"""

import hashlib
import re

MAX_FRAMES = 8
MAX_FINGERPRINT_LENGTH = 255
_VARIABLE_PARTS = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # UUIDs
    r"|0x[0-9a-f]+"  # addresses
    r"|\b[0-9a-f]{16,}\b"  # long hex ids
    r"|\d+",
    re.IGNORECASE,
)


def parameterize(text):
    return _VARIABLE_PARTS.sub("<n>", text)


def _frame_key(frame):
    location = frame.get("module") or (frame.get("filename") or "").rsplit("/", 1)[-1]
    return f"{location}:{frame.get('function') or '?'}"


def _hashed(parts):
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


# Sentry's `fingerprint` array: `{{ default }}` stands for the fingerprint computed below.
DEFAULT_PART = re.compile(r"^\{\{\s*default\s*\}\}$")
PART_SEPARATOR = " ⋄ "


def fingerprint_for(event):
    """The fingerprint of an Event that carries no explicit key: a Sentry `fingerprint` array
    (event.data["fingerprint"]) when it says more than `{{ default }}`, else computed."""
    parts = (event.data or {}).get("fingerprint") or []
    if parts and not (len(parts) == 1 and DEFAULT_PART.match(parts[0])):
        default = computed_fingerprint(event)
        return bounded("sentry:" + PART_SEPARATOR.join(default if DEFAULT_PART.match(p) else p for p in parts))
    return computed_fingerprint(event)


def computed_fingerprint(event):
    """Type and in-app frames, else type and first line, else the message (module docstring)."""
    frames = event.frames or []
    in_app = [f for f in frames if f.get("in_app")] or frames
    if event.exception_type and in_app:
        return _hashed(["stack", event.exception_type, *map(_frame_key, in_app[-MAX_FRAMES:])])
    if event.exception_type:
        first_line = (event.exception_value or "").strip().split("\n", 1)[0]
        return _hashed(["type", event.exception_type, parameterize(first_line)])
    return _hashed(["message", parameterize((event.message or "").strip())])


def bounded(fingerprint):
    """Explicit keys longer than the column are hashed rather than cut, so they stay distinct."""
    if len(fingerprint) <= MAX_FINGERPRINT_LENGTH:
        return fingerprint
    return "sha256:" + hashlib.sha256(fingerprint.encode()).hexdigest()
