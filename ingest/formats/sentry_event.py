"""Reading Sentry's event schema, shared by the webhooks (which echo events) and native SDK ingest.

Every reader is lenient about shape, as Sentry's own serializers are: a field of the wrong
type reads as empty rather than failing the event.
"""

from datetime import UTC, datetime

from errorhub.payload import PayloadError

LEVELS = {"debug", "info", "warning", "error", "fatal"}
LEVEL_ALIASES = {"warn": "warning", "critical": "fatal", "log": "info", "sample": "info"}
FRAME_KEYS = (
    "filename", "abs_path", "module", "function", "lineno", "colno", "in_app",
    "context_line", "pre_context", "post_context", "vars",
)  # fmt: skip
FRAME_LIST_KEYS = {"pre_context", "post_context"}
# The JavaScript SDK asks the server to fill in the client's address; errorhub does not.
AUTO_IP = "{{auto}}"


def text(value):
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value)


def normalized_level(value):
    level = text(value).lower()
    return level if level in LEVELS else LEVEL_ALIASES.get(level, "error")


def _entries(event, kind):
    """The API serializer's `entries` form (service hooks): [{type, data}, ...]."""
    entries = event.get("entries")
    if not isinstance(entries, list):
        return None
    for entry in entries:
        if isinstance(entry, dict) and entry.get("type") == kind and isinstance(entry.get("data"), dict):
            return entry["data"]
    return None


def exception_values(event):
    """`exception` as {values: [...]}, a bare list or a single exception object (as Bugsink reads it)."""
    exception = event.get("exception") or _entries(event, "exception") or {}
    if isinstance(exception, dict):
        values = exception.get("values") if "values" in exception or "type" not in exception else [exception]
    else:
        values = exception
    # The seed sample's flat "exceptions" list is not a real Sentry field, but its users send it.
    values = values or event.get("exceptions") or []
    return [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []


def main_exception(event):
    # Sentry lists chained exceptions oldest first; the last one is what was raised.
    values = exception_values(event)
    return values[-1] if values else {}


def stack_frames(event, exception):
    for stacktrace in (exception.get("stacktrace"), event.get("stacktrace"), _entries(event, "stacktrace")):
        if isinstance(stacktrace, dict) and isinstance(stacktrace.get("frames"), list):
            return stacktrace["frames"]
    return []


def clean_frame(frame):
    """The frame's known keys; context lines must be lists and vars an object, or they are dropped."""
    kept = {key: frame[key] for key in FRAME_KEYS if frame.get(key) is not None}
    for key in FRAME_LIST_KEYS & kept.keys():
        if not isinstance(kept[key], list):
            del kept[key]
    if not isinstance(kept.get("vars", {}), dict):
        del kept["vars"]
    return kept


def message_text(event):
    """`message` (a string, or the legacy {message, formatted} object), else `logentry`, formatted first."""
    message = event.get("message")
    if message and not isinstance(message, (dict, list)):
        return text(message)
    for entry in (message, event.get("logentry")):
        if isinstance(entry, dict) and (entry.get("formatted") or entry.get("message")):
            return text(entry.get("formatted") or entry.get("message"))
    return ""


def moment(value, path):
    """Unix seconds (int or float) or an ISO 8601 date, as a UTC-aware datetime."""
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, tz=UTC)
        parsed = datetime.fromisoformat(str(value))
    except (TypeError, ValueError, OverflowError, OSError):
        raise PayloadError(path, "Expected unix seconds or an ISO 8601 date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def tag_dict(tags):
    """Sentry sends tags as [[key, value], ...], [{key, value}, ...] or {key: value}."""
    if isinstance(tags, dict):
        pairs = tags.items()
    elif isinstance(tags, list):
        pairs = [
            (t.get("key"), t.get("value")) if isinstance(t, dict) else tuple(t)
            for t in tags
            if isinstance(t, dict) or (isinstance(t, list) and len(t) == 2)
        ]
    else:
        return {}
    return {text(key): text(value) for key, value in pairs if text(key)}


def exception_chain(event):
    """Every exception of a chain in Sentry's order (the first cause first, the raised one
    last), each with its type, value, module, mechanism and its own frames."""
    values = exception_values(event)
    return [
        {
            "type": text(value.get("type")),
            "value": text(value.get("value")),
            "module": text(value.get("module")),
            "mechanism": value.get("mechanism") if isinstance(value.get("mechanism"), dict) else None,
            # Only the raised exception may take the event's own stacktrace (message events, old SDKs).
            "frames": [
                clean_frame(f)
                for f in (stack_frames(event, value) if value is values[-1] else _own_frames(value))
                if isinstance(f, dict)
            ],
        }
        for value in values
    ]


def _own_frames(exception):
    stacktrace = exception.get("stacktrace")
    frames = stacktrace.get("frames") if isinstance(stacktrace, dict) else None
    return frames if isinstance(frames, list) else []


USER_KEYS = ("id", "email", "username", "ip_address", "name")


def user_object(user):
    """Sentry's user as an object of its identifying fields (a bare string is an id); None if empty."""
    if not isinstance(user, dict):
        return {"id": text(user)} if text(user) else None
    found = {key: text(user.get(key)) for key in USER_KEYS}
    return {key: value for key, value in found.items() if value and value != AUTO_IP} or None


def user_name(user):
    """One string for the user: id, else email, else username, else IP address."""
    if isinstance(user, dict):
        names = (text(user.get(k)) for k in ("id", "email", "username", "ip_address"))
        return next((name for name in names if name and name != AUTO_IP), "")
    return text(user)


def release_version(release):
    return text(release.get("version")) if isinstance(release, dict) else text(release)


def breadcrumb_list(event):
    crumbs = event.get("breadcrumbs") or _entries(event, "breadcrumbs")
    if isinstance(crumbs, dict):
        crumbs = crumbs.get("values")
    return crumbs if isinstance(crumbs, list) and crumbs else None
