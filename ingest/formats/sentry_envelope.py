"""Sentry SDK ingest: envelopes (`/api/<id>/envelope/`) and store bodies (`/api/<id>/store/`).

Envelope grammar (Sentry's envelopes.mdx): a header line, then items, each a header line and
a payload of `length` bytes (or up to the next newline). Only `event` items are stored;
transactions, sessions, client reports, attachments and every other type are skipped, as
Bugsink and GlitchTip skip what they do not support.

Two steps (docs/architecture.md, "Ingest path"). At accept, parse_envelope() and
parse_store_body() check the framing, the JSON and the few fields whose shape decides
whether the event can be read (a 400 naming the field otherwise) and keep each event item's
bytes as sent. The digest then calls event_from_item(): scrubbing (ingest.formats.scrubbing)
and an IncomingEvent that keeps the whole exception chain, the user, breadcrumbs, request,
contexts and tags. An explicit `fingerprint` array wins over errorhub's grouping,
with `{{ default }}` standing for the fingerprint errorhub would have computed.
"""

import base64
import binascii
import uuid
import zlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from errorhub.payload import PayloadError, parse_json
from ingest.formats.common import IncomingEvent
from ingest.formats.frames import crash_location
from ingest.formats.scrubbing import scrubbed_json
from ingest.formats.sentry_event import (
    breadcrumb_list,
    clean_frame,
    exception_chain,
    main_exception,
    message_text,
    moment,
    normalized_level,
    release_version,
    stack_frames,
    tag_dict,
    text,
    user_name,
    user_object,
)

# Relay's limit for one event item (relay-config `max_event_size`).
MAX_EVENT_BYTES = 1024 * 1024
STORED_ITEM_TYPES = {"event"}


class ItemTooLarge(PayloadError):
    status = 413


@dataclass
class EventItem:
    """One checked event as sent: what the accept path stores for the digest."""

    event_id: str
    payload: bytes


@dataclass
class Envelope:
    headers: dict
    # The header's event_id, else the stored event's; None for envelopes without an event.
    event_id: str | None = None
    events: list[EventItem] = field(default_factory=list)

    @property
    def dsn_key(self):
        dsn = self.headers.get("dsn")
        return public_key_of_dsn(dsn) if isinstance(dsn, str) else ""


def public_key_of_dsn(dsn):
    try:
        return urlsplit(dsn).username or ""
    except ValueError:
        return ""


def auth_key(*, query_key="", x_sentry_auth="", authorization="", dsn_key=""):
    """The public key of the first authentication form present, in Sentry's order.

    Like Bugsink (and Relay since PR #602), disagreeing forms are not an error: the first wins.
    `Authorization` counts only with the `Sentry` scheme (GlitchTip's habit); a Bearer token is
    not a DSN key.
    """
    if query_key:
        return query_key
    for header, scheme_required in ((x_sentry_auth, False), (authorization, True)):
        scheme, _, params = header.strip().partition(" ")
        if scheme.lower() != "sentry":
            if scheme_required:
                continue
            params = header
        key = _auth_params(params).get("sentry_key", "")
        if key:
            return key
    return dsn_key


def _auth_params(params):
    pairs = (part.strip().partition("=") for part in params.split(","))
    return {name.strip(): value.strip() for name, _, value in pairs}


def normalized_event_id(value, path, required=True):
    """A UUID, hex with or without dashes, as 32 lower-case hex digits; None if absent and optional."""
    if value in (None, "") and not required:
        return None
    try:
        return uuid.UUID(hex=value).hex
    except (TypeError, ValueError, AttributeError):
        raise PayloadError(path, "Expected a UUID (32 hex digits, dashes allowed)") from None


def parse_envelope(body):
    """Envelope bytes → Envelope of checked EventItems; a malformed envelope raises
    PayloadError naming the part."""
    if not body.strip():
        raise PayloadError("envelope", "Empty envelope")
    header_line, _, rest = body.partition(b"\n")
    headers = _header_object(header_line, "envelope.headers")
    items = _items(rest)
    types = [item_type for item_type, _ in items]
    if types.count("event") > 1:
        raise PayloadError("items", "An envelope carries at most one event item")
    if "event" in types and "transaction" in types:
        raise PayloadError("items", "An envelope cannot carry both an event and a transaction")
    envelope = Envelope(headers, normalized_event_id(headers.get("event_id"), "envelope.headers.event_id", False))
    for index, (item_type, payload) in enumerate(items):
        if item_type not in STORED_ITEM_TYPES:
            continue
        path = f"items.{index}"
        if len(payload) > MAX_EVENT_BYTES:
            raise ItemTooLarge(path, f"An event item is larger than {MAX_EVENT_BYTES} bytes")
        event = parse_json(payload, path, label="The event item")
        envelope.events.append(EventItem(checked_event(event, path, envelope.event_id), payload))
    envelope.event_id = envelope.event_id or (envelope.events[0].event_id if envelope.events else None)
    return envelope


def _header_object(line, path):
    value = parse_json(line, path, label="The header line") if line.strip() else {}
    if not isinstance(value, dict):
        raise PayloadError(path, "Expected a JSON object on one line")
    return value


def _items(rest):
    """[(type, payload bytes), ...] from the part of an envelope after its header line."""
    items, position = [], 0
    while position < len(rest):
        line_end = rest.find(b"\n", position)
        line_end = len(rest) if line_end < 0 else line_end
        line = rest[position:line_end]
        position = line_end + 1
        if not line.strip():
            continue  # trailing or blank lines between items
        path = f"items.{len(items)}"
        headers = _header_object(line, f"{path}.headers")
        item_type = headers.get("type")
        if not isinstance(item_type, str) or not item_type:
            raise PayloadError(f"{path}.headers.type", "Required: the item type")
        length = headers.get("length")
        if length is None:
            payload_end = rest.find(b"\n", position)
            payload_end = len(rest) if payload_end < 0 else payload_end
        elif isinstance(length, int) and not isinstance(length, bool) and length >= 0:
            payload_end = position + length
            if payload_end > len(rest):
                raise PayloadError(f"{path}.headers.length", "The envelope ends before the item's length")
            if payload_end < len(rest) and rest[payload_end : payload_end + 1] != b"\n":
                raise PayloadError(f"{path}.headers.length", "The item's payload is not followed by a newline")
        else:
            raise PayloadError(f"{path}.headers.length", "Expected a non-negative integer")
        items.append((item_type, rest[position:payload_end]))
        position = payload_end + 1
    return items


def parse_store_body(body):
    """A `/store/` body (one event as JSON, or old SDKs' base64 of zlib'd JSON) → EventItem."""
    if len(body) > MAX_EVENT_BYTES:
        raise ItemTooLarge("body", f"An event is larger than {MAX_EVENT_BYTES} bytes")
    if not body.lstrip().startswith(b"{"):
        body = _legacy_encoded(body)
    event = parse_json(body, "body", label="The event")
    return EventItem(checked_event(event, "body"), body)


def _legacy_encoded(body):
    """raven clients sent base64(zlib(json)) without a Content-Encoding."""
    try:
        decompressor = zlib.decompressobj()
        decoded = decompressor.decompress(base64.b64decode(body, validate=False), MAX_EVENT_BYTES + 1)
    except (binascii.Error, zlib.error, ValueError):
        return body  # not that encoding either: let the JSON parser name the problem
    if len(decoded) > MAX_EVENT_BYTES:
        raise ItemTooLarge("body", f"An event is larger than {MAX_EVENT_BYTES} bytes")
    return decoded


def checked_event(event, path, event_id=None):
    """The event id of an event the digest can read (the envelope's wins, else the event's,
    else a new one); PayloadError naming the field otherwise, before anything is stored."""
    if not isinstance(event, dict):
        raise PayloadError(path, "Expected a JSON object")
    _check_exception_shape(event.get("exception"), f"{path}.exception")
    if event.get("timestamp") not in (None, ""):
        moment(event["timestamp"], f"{path}.timestamp")
    _fingerprint_parts(event.get("fingerprint"), path)
    if event_id is None:
        event_id = normalized_event_id(event.get("event_id"), f"{path}.event_id", required=False)
    return event_id or uuid.uuid4().hex


def event_from_item(payload, event_id, received_at):
    """A stored EventItem's payload → IncomingEvent (scrubbed): the digest's half."""
    event = parse_json(payload, "event", label="The event item")
    event_id = checked_event(event, "event", event_id)
    event = scrubbed_json(event, payload)
    timestamp = event.get("timestamp")
    exception = main_exception(event)
    exception_type = text(exception.get("type"))
    exception_value = text(exception.get("value"))
    chain = exception_chain(event)
    # The raised exception's frames are the chain's last; cleaned once for both.
    frames = chain[-1]["frames"] if chain else [clean_frame(f) for f in stack_frames(event, {}) if isinstance(f, dict)]
    message = message_text(event)
    first_line = (exception_value or message).strip().split("\n", 1)[0]
    tags = tag_dict(event.get("tags"))
    return IncomingEvent(
        event_id=event_id,
        timestamp=received_at if timestamp in (None, "") else moment(timestamp, "event.timestamp"),
        level=normalized_level(event.get("level")),
        platform=text(event.get("platform")),
        message=message or ": ".join(filter(None, [exception_type, exception_value])),
        title=": ".join(filter(None, [exception_type, first_line])) or "<no message>",
        culprit=_culprit(event, frames),
        error_type=exception_type,
        exception_type=exception_type,
        exception_value=exception_value,
        frames=frames,
        user=user_name(event.get("user")),
        environment=text(event.get("environment") or tags.get("environment")),
        release=release_version(event.get("release")) or tags.get("release", ""),
        tags=tags,
        data=_details(event, exception, chain, _fingerprint_parts(event.get("fingerprint"), "event")),
        raw={**event, "event_id": event_id},
    )


def _check_exception_shape(exception, path):
    """The parts grouping reads must have Sentry's shape; anything else is a 400, not a guess."""
    if exception is None:
        return
    if not isinstance(exception, (dict, list)):
        raise PayloadError(path, "Expected an object with `values`, or a list of exceptions")
    values = (exception.get("values") or []) if isinstance(exception, dict) and "type" not in exception else exception
    if isinstance(values, dict):
        values = [values]
    if not isinstance(values, list):
        raise PayloadError(f"{path}.values", "Expected a list of exceptions")
    for index, value in enumerate(values):
        if not isinstance(value, dict):
            raise PayloadError(f"{path}.values.{index}", "Expected an exception object")
        stacktrace = value.get("stacktrace")
        if stacktrace is not None and not isinstance(stacktrace, dict):
            raise PayloadError(f"{path}.values.{index}.stacktrace", "Expected an object with `frames`")
        if isinstance(stacktrace, dict) and not isinstance(stacktrace.get("frames", []), list):
            raise PayloadError(f"{path}.values.{index}.stacktrace.frames", "Expected a list of frames")


def _culprit(event, frames):
    """The event's own culprit, else its transaction, else the crash frame; message and log
    events have no frames, so their logger says where they come from."""
    explicit = text(event.get("culprit") or event.get("transaction"))
    return (explicit or crash_location(frames) or text(event.get("logger")))[:500]


def _details(event, exception, chain, fingerprint):
    """What the issue page shows beside the stack: request, contexts, breadcrumbs and the like."""
    sdk = event.get("sdk") if isinstance(event.get("sdk"), dict) else {}
    details = {
        "exceptions": chain,
        "user": user_object(event.get("user")),
        "request": event.get("request"),
        "contexts": event.get("contexts"),
        "breadcrumbs": breadcrumb_list(event),
        "extra": event.get("extra"),
        "logger": text(event.get("logger")),
        "server_name": text(event.get("server_name")),
        "transaction": text(event.get("transaction")),
        "mechanism": exception.get("mechanism"),
        "sdk": {"name": text(sdk.get("name")), "version": text(sdk.get("version"))} if sdk else None,
        "fingerprint": fingerprint,
    }
    return {key: value for key, value in details.items() if value}


def _fingerprint_parts(fingerprint, path):
    """Sentry's `fingerprint` array, checked; the digest (issues.grouping) makes it a key, since
    `{{ default }}` stands for the fingerprint it computes. Empty lets the digest decide alone."""
    if fingerprint is None:
        return []
    if not isinstance(fingerprint, list) or not all(
        isinstance(part, (str, int, float)) and not isinstance(part, bool) for part in fingerprint
    ):
        raise PayloadError(f"{path}.fingerprint", "Expected a list of strings")
    return [str(part) for part in fingerprint]
