"""Reading payloads, for every surface: the error a payload raises, JSON parsing, epoch times.

The ground floor: wire formats (ingest/formats), accounts and the request plumbing
(errorhub.http) all raise PayloadError; the surface's one error handler answers it.
"""

import json
import math
import re
from datetime import UTC, datetime
from itertools import accumulate

import orjson


class PayloadError(ValueError):
    """The request is not acceptable; `field` names where (dotted path, e.g. "events.0.appKey").

    Raised anywhere below a view; errorhub.http.by_method answers it in the surface's error
    shape with `status` (subclasses: 401, 404, 413, 415, 429, ...), for HealthGuard `code`,
    and `headers` added to the response (e.g. a 429's Retry-After).
    """

    status = 400

    def __init__(self, field, message, *, status=None, code=None, headers=None):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message
        self.code = code
        self.headers = headers or {}
        if status is not None:
            self.status = status


class BodyTooLarge(PayloadError):
    status = 413


class UnsupportedEncoding(PayloadError):
    status = 415


def epoch_ms(moment):
    """A datetime as JavaScript's Date.getTime() (HealthGuard's timestamps)."""
    return int(moment.timestamp() * 1000)


def from_epoch_ms(value):
    """Epoch milliseconds as a UTC datetime, or None when no datetime can hold it."""
    try:
        return datetime.fromtimestamp(float(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


# Deep enough for any real payload, far from Python's recursion limit when we walk or store it.
MAX_NESTING = 100


def parse_json(raw, field="", label="Body", *, refuse_nul=False):
    """JSON bytes → a value every database column can store, or a PayloadError naming the field.

    U+0000 in text becomes U+FFFD (an event is never lost for it), or with `refuse_nul` is
    refused (the native API's writes, whose serializers refuse it in plain fields too).

    orjson parses, and refuses what jsonb cannot store (NaN, 1e400, lone surrogates, bad
    UTF-8); a body it refuses, or with NUL, deep nesting or integers past 64 bits in it (orjson
    would make those floats), takes the slower walk below, which names the field
    (docs/architecture.md, "Ingest path").
    """
    nul = ("refuse" if refuse_nul else "replace") if b"\\u0000" in raw else None
    if nul is None and _LONG_NUMBER not in raw.translate(_DIGITS_AS_NINES):
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
        else:
            if _nesting(raw) <= MAX_NESTING:
                return value
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PayloadError(field, f"{label} is not valid JSON") from None
    return _storable(value, field, 0, nul=nul)


# 19 digits in a row: the shortest integer past 64 bits. Searched for in C: every digit a 9.
_DIGITS_AS_NINES = bytes.maketrans(b"012345678", b"999999999")
_LONG_NUMBER = b"9" * 19
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _nesting(raw):
    """How deep valid JSON nests: its brackets outside strings, counted in C where it can."""
    if raw.count(b"{") + raw.count(b"[") <= MAX_NESTING:
        return 0
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(1 if b in b"[{" else -1 for b in brackets), default=0)


def _storable(value, path, depth, *, nul):
    """Python's json accepts what jsonb refuses (NaN, Infinity, 1e400: a 500 on PostgreSQL, a
    silently dropped row on SQLite), U+0000 (refused by PostgreSQL text) and lone surrogates
    such as \\ud800 (no UTF-8 can encode them): refuse or replace."""
    if depth > MAX_NESTING:
        raise PayloadError(path, f"Nested deeper than {MAX_NESTING} levels")
    if isinstance(value, dict):
        stored = {}
        for key, item in value.items():
            key_path = f"{path}.{_printable(key)}" if path else _printable(key)
            stored[_storable_text(key, key_path, nul)] = _storable(item, key_path, depth + 1, nul=nul)
        return stored
    if isinstance(value, list):
        return [_storable(item, f"{path}.{i}", depth + 1, nul=nul) for i, item in enumerate(value)]
    if isinstance(value, str):
        return _storable_text(value, path, nul)
    if isinstance(value, float) and not math.isfinite(value):
        raise PayloadError(path, "Numbers must be finite")
    return value


def _storable_text(text, path, nul):
    try:
        text.encode()
    except UnicodeEncodeError:
        # Relay refuses these too (serde_json); replacing them would change what was sent.
        raise PayloadError(path, "Text must be valid Unicode: a lone surrogate such as \\ud800 is not") from None
    if nul is None or "\x00" not in text:
        return text
    if nul == "refuse":
        raise PayloadError(path, "Text must not contain NUL (\\u0000)")
    return text.replace("\x00", "\ufffd")


def _printable(key):
    """A key as it can be named in an error (and in a header): NUL replaced, lone surrogates spelled out."""
    return key.replace("\x00", "\ufffd").encode("utf-8", "backslashreplace").decode()
