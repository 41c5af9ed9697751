"""Periskop pushes (`POST /errors`): a collector's Payload in, one PushedAggregate per key out.

Read as Go `encoding/json` reads it for the pushgateway: keys match case-insensitively,
unknown keys are ignored, null means "not given". Where the gateway answers a type
mismatch with a half-ingested 500, this module names the field instead.
"""

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from errorhub.payload import PayloadError
from ingest.formats.common import IncomingEvent
from ingest.formats.frames import in_app_path
from ingest.formats.scrubbing import scrubbed

SEVERITIES = ("info", "warning", "error")
DEFAULT_SEVERITY = "error"
# Periskop's MaxErrors: latest errors kept per aggregation key.
MAX_LATEST_ERRORS = 10
MAX_TOTAL_COUNT = 2**31 - 1
MAX_CAUSE_DEPTH = 20
MAX_TARGET_UUID_LENGTH = 100
# Derives an id for a pushed error that carries no uuid, so a re-push stores it once.
UUIDLESS_NAMESPACE = uuid.UUID("0f8a9a4e-7a53-4f44-9c39-6d0c1d2d3a61")

_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$"
)  # fmt: skip
_PYTHON_FRAME = re.compile(r'^\s*File "(?P<filename>[^"]+)", line (?P<lineno>\d+), in (?P<function>.+)$')
_GO_FUNCTION = re.compile(r"^(?P<function>\S+)\(.*\)$")
_GO_LOCATION = re.compile(r"^\s+(?P<filename>\S+\.go):(?P<lineno>\d+)(?: \+0x[0-9a-f]+)?$")


@dataclass
class PushedAggregate:
    aggregation_key: str
    # The collector's cumulative count; None when the push gives none to track (no
    # total_count, or no target_uuid), so each newly seen error counts once.
    total_count: int | None
    severity: str
    errors: list = field(default_factory=list)


@dataclass
class Push:
    target_uuid: str
    aggregates: list


def _get(obj, name):
    """obj[name], matched case-insensitively as Go does; None when absent."""
    if name in obj:
        return obj[name]
    for key, value in obj.items():
        if isinstance(key, str) and key.lower() == name:
            return value
    return None


def _string(obj, name, path, default=""):
    value = _get(obj, name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise PayloadError(path + name, "must be a string")
    return value


def _object(value, path, nullable=True):
    if value is None and nullable:
        return None
    if not isinstance(value, dict):
        raise PayloadError(path, "must be an object" + (" or null" if nullable else ""))
    return value


def _list(value, path):
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(path, "must be an array or null")
    return value


def _severity(obj, path, fallback):
    value = _string(obj, "severity", path).strip().lower()
    if not value:
        return fallback
    if value not in SEVERITIES:
        raise PayloadError(path + "severity", "must be one of " + ", ".join(SEVERITIES))
    return value


def parse_timestamp(value, path):
    """An RFC3339 timestamp (Go's nanoseconds are cut to Python's microseconds)."""
    match = _RFC3339.match(value)
    if not match:
        raise PayloadError(path, "must be an RFC3339 timestamp such as 2020-02-17T22:42:45Z")
    day, clock, fraction, offset = match.groups()
    text = f"{day}T{clock}.{(fraction or '0')[:6]:0<6}{'+00:00' if offset in 'Zz' else offset}"
    try:
        # Kept in its own offset: in UTC, 9999-12-31T23:59:59-14:00 is past year 9999, and the
        # pipeline bounds it anyway (ingest.formats.common.accepted_timestamp).
        return datetime.fromisoformat(text)
    except ValueError:
        raise PayloadError(path, "must be an RFC3339 timestamp such as 2020-02-17T22:42:45Z") from None


def _error_instance(value, path, depth=0):
    """ErrorInstance, its cause chain kept recursively."""
    obj = _object(value, path, nullable=False)
    stacktrace = _get(obj, "stacktrace")
    if stacktrace is not None and not (isinstance(stacktrace, list) and all(isinstance(s, str) for s in stacktrace)):
        raise PayloadError(path + ".stacktrace", "must be an array of strings or null")
    cause = _get(obj, "cause")
    if cause is not None and depth >= MAX_CAUSE_DEPTH:
        raise PayloadError(path + ".cause", f"cause chains deeper than {MAX_CAUSE_DEPTH} are not accepted")
    return {
        "class": _string(obj, "class", path + "."),
        "message": _string(obj, "message", path + "."),
        "stacktrace": stacktrace,
        "cause": None if cause is None else _error_instance(cause, path + ".cause", depth + 1),
    }


def _http_context(value, path):
    obj = _object(value, path)
    if obj is None:
        return None
    headers = _get(obj, "request_headers")
    if headers is not None and not (isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values())):
        raise PayloadError(path + ".request_headers", "must be an object of strings or null")
    body = _get(obj, "request_body")
    if body is not None and not isinstance(body, str):
        raise PayloadError(path + ".request_body", "must be a string or null")
    return {
        "request_method": _string(obj, "request_method", path + "."),
        "request_url": _string(obj, "request_url", path + "."),
        "request_headers": headers,
        "request_body": body,
    }


def go_default_key(error):
    """periskop-go's key for an error reported without one: class@fnv1a32(message + 4 stack lines)."""
    h = 0x811C9DC5
    for byte in (error["message"] + "".join((error["stacktrace"] or [])[:4])).encode():
        h = ((h ^ byte) * 0x01000193) % 2**32
    return f"{error['class']}@{h:x}"


def frames_from(stacktrace):
    """Stack frames (innermost last) from a Python traceback or a Go debug.Stack(); else none."""
    lines = stacktrace or []
    frames = []
    for i, line in enumerate(lines):
        python = _PYTHON_FRAME.match(line)
        if python:
            following = lines[i + 1] if i + 1 < len(lines) else ""
            context = following.strip() if following.startswith("    ") and not _PYTHON_FRAME.match(following) else ""
            frames.append(_frame(python["filename"], python["function"], python["lineno"], context))
            continue
        go_location = _GO_LOCATION.match(line)
        go_function = _GO_FUNCTION.match(lines[i - 1]) if i else None
        if go_location and go_function:
            frames.insert(0, _frame(go_location["filename"], go_function["function"], go_location["lineno"], ""))
    return frames


def _frame(filename, function, lineno, context_line):
    return {
        "filename": filename,
        "function": function,
        "lineno": int(lineno),
        "context_line": context_line,
        "in_app": in_app_path(filename),
    }


def _incoming(latest, path, key, severity, target_uuid, received_at):
    latest = scrubbed(latest)
    obj = _object(latest, path, nullable=False)
    pushed_error = _get(obj, "error")
    error = _error_instance({} if pushed_error is None else pushed_error, path + ".error")
    http_context = _http_context(_get(obj, "http_context"), path + ".http_context")
    level = _severity(obj, path + ".", severity)
    stamp = _string(obj, "timestamp", path + ".")
    # Go cannot decode "" as a time (the gateway then half-ingests); errorhub takes arrival time.
    timestamp = parse_timestamp(stamp, path + ".timestamp") if stamp else received_at
    key = key or go_default_key(error)
    event_id = _string(obj, "uuid", path + ".").strip()
    if not event_id:
        content = repr((target_uuid, key, stamp, error, http_context))
        event_id = str(uuid.uuid5(UUIDLESS_NAMESPACE, hashlib.sha256(content.encode()).hexdigest()))
    elif len(event_id) > 200:
        raise PayloadError(path + ".uuid", "must be at most 200 characters")
    frames = frames_from(error["stacktrace"])
    innermost = frames[-1] if frames else None
    return IncomingEvent(
        event_id=event_id,
        timestamp=timestamp,
        level=level,
        message=error["message"],
        title=f"{error['class']}: {error['message']}" if error["message"] else error["class"] or key,
        culprit=f"{innermost['filename']} in {innermost['function']}" if innermost else "",
        error_type=error["class"],
        exception_type=error["class"],
        exception_value=error["message"],
        frames=frames,
        fingerprint=key,
        data={
            "aggregation_key": key,
            "target_uuid": target_uuid,
            "error": error,
            "http_context": http_context,
            "severity": level,
        },
        raw=latest,
    )


def _total_count(obj, path):
    value = _get(obj, "total_count")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOTAL_COUNT:
        raise PayloadError(path + "total_count", f"must be an integer from 0 to {MAX_TOTAL_COUNT}")
    return value


def parse_push(payload, received_at):
    """A Periskop Payload → Push; errors of one key are merged, newest MAX_LATEST_ERRORS kept."""
    if not isinstance(payload, dict):
        raise PayloadError("", "Body must be a JSON object")
    target_uuid = _string(payload, "target_uuid", "").strip()
    if len(target_uuid) > MAX_TARGET_UUID_LENGTH:
        raise PayloadError("target_uuid", f"must be at most {MAX_TARGET_UUID_LENGTH} characters")
    by_key = {}
    for i, value in enumerate(_list(_get(payload, "aggregated_errors"), "aggregated_errors")):
        path = f"aggregated_errors.{i}."
        obj = _object(value, path[:-1], nullable=False)
        key = _string(obj, "aggregation_key", path)
        severity = _severity(obj, path, DEFAULT_SEVERITY)
        total_count = _total_count(obj, path)
        if not (key and target_uuid):
            # Without a key or a target there is no counter to take a delta from.
            total_count = None
        for j, latest in enumerate(_list(_get(obj, "latest_errors"), path + "latest_errors")):
            event = _incoming(latest, f"{path}latest_errors.{j}", key, severity, target_uuid, received_at)
            aggregate = by_key.setdefault(event.fingerprint, PushedAggregate(event.fingerprint, total_count, severity))
            aggregate.errors.append(event)
        if key and key not in by_key:
            # Counts without any latest error still count.
            by_key[key] = PushedAggregate(key, total_count, severity)
        elif key and total_count is not None and (by_key[key].total_count or 0) < total_count:
            by_key[key].total_count = total_count
    for aggregate in by_key.values():
        aggregate.errors = aggregate.errors[-MAX_LATEST_ERRORS:]
    return Push(target_uuid=target_uuid, aggregates=list(by_key.values()))
