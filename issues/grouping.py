"""Fingerprints: which events are the same issue.

An explicit key from the reporter wins (HealthGuard fingerprint, Periskop aggregation key,
Eventsum hash, upstream Sentry issue id). Otherwise, as Sentry and Bugsink do: the exception
type plus the in-app frames (module or file, and function; line numbers ignored so a
deploy does not split issues), else the type plus the first line of the value, else the
message. A chain of exceptions (`data["exceptions"]`, `raise X from Y`) is grouped by every
exception of it, each the same way, so the same error from two different causes is two
issues. Numbers, hex ids and UUIDs are masked so "user 41 not found" and "user 42 not found"
stay one issue.
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


def _exception_parts(exception_type, exception_value, frames):
    in_app = [f for f in frames if f.get("in_app")] or frames
    if in_app:
        return ["stack", exception_type, *map(_frame_key, in_app[-MAX_FRAMES:])]
    first_line = (exception_value or "").strip().split("\n", 1)[0]
    return ["type", exception_type, parameterize(first_line)]


def computed_fingerprint(event):
    """The chain, else type and in-app frames, else type and first line, else the message
    (module docstring)."""
    chain = event.data.get("exceptions") if isinstance(event.data, dict) else None
    if isinstance(chain, list) and len(chain) > 1:
        parts = (_exception_parts(e.get("type") or "", e.get("value"), e.get("frames") or []) for e in chain)
        return _hashed(["chain", *(part for exception in parts for part in exception)])
    if event.exception_type:
        return _hashed(_exception_parts(event.exception_type, event.exception_value, event.frames or []))
    return _hashed(["message", parameterize((event.message or "").strip())])


def bounded(fingerprint):
    """Explicit keys longer than the column are hashed rather than cut, so they stay distinct."""
    if len(fingerprint) <= MAX_FINGERPRINT_LENGTH:
        return fingerprint
    return "sha256:" + hashlib.sha256(fingerprint.encode()).hexdigest()
