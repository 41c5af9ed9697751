"""Eventsum `POST /capture` bodies, with the original's filters and base hash.

The base hash is the one upstream stores as `processed_data_hash`:
URL-safe base64 (padded) of SHA-256 over Go's `json.Marshal` of the filtered event data. It
is emulated byte for byte (see `go_json`), so `hash` values from an existing Eventsum keep
matching, and it is the issue fingerprint.
"""

import base64
import hashlib
import re
import sys
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from errorhub.payload import PayloadError
from ingest.formats.common import IncomingEvent
from ingest.formats.frames import crash_location, in_app_path
from ingest.formats.scrubbing import scrubbed

MAX_EVENT_TYPE = 32  # upstream column event_type varchar(32)
MAX_EVENT_NAME = 500  # Event.exception_type; upstream's column took 512
MAX_ENVIRONMENT = 100  # Environment.name
MAX_SERVICE = 200  # Project.name
FILTER_STAGES = ("instance", "base", "extra_args")
GO_INT64 = 2**63


class GoStruct(dict):
    """An object Go marshals in declaration order (a struct), unlike maps whose keys it sorts."""


# ---- Go encoding/json, as of the Go releases Eventsum shipped with (2017) ----


def _go_text(text):
    # Go's decoder turns lone UTF-16 surrogates into U+FFFD; Python's json keeps them.
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


_GO_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _go_string(text):
    out = []
    for char in _go_text(text):
        code = ord(char)
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        # Control characters (\b and \f included: their short forms came in Go 1.22), the
        # HTML-sensitive <, >, & (json.Marshal's default) and the JavaScript line separators.
        elif code < 0x20 or char in "<>&" or code in (0x2028, 0x2029):
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _go_float(value):
    """Go's float64 formatting: shortest digits, plain notation except below 1e-6 or from 1e21."""
    number = float(value)
    if number == 0:
        return "0"
    digits = Decimal(repr(number)).normalize()
    if 1e-6 <= abs(number) < 1e21:
        return format(digits, "f")
    sign, figures, exponent = digits.as_tuple()
    exponent += len(figures) - 1
    mantissa = str(figures[0]) + ("." + "".join(map(str, figures[1:])) if len(figures) > 1 else "")
    # Go writes e+21 and e-07, then trims the exponent's leading zero ("e-7").
    exponent_text = f"{abs(exponent):02d}".removeprefix("0") if exponent < 0 else f"{exponent:02d}"
    return ("-" if sign else "") + mantissa + ("e-" if exponent < 0 else "e+") + exponent_text


def go_json(value):
    """`json.Marshal(value)` of Go: compact, map keys sorted, struct fields in order, numbers float64."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return _go_float(value)
    if isinstance(value, str):
        return _go_string(value)
    if isinstance(value, list):
        return "[" + ",".join(go_json(item) for item in value) + "]"
    if isinstance(value, GoStruct):
        items = value.items()
    else:
        items = sorted((_go_text(key), item) for key, item in value.items())
    return "{" + ",".join(_go_string(key) + ":" + go_json(item) for key, item in items) + "}"


def base_hash(event_data):
    """Upstream util.Hash: base64.URLEncoding(sha256(json.Marshal(x)))."""
    digest = hashlib.sha256(go_json(event_data).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


# ---- The example server's filters (cmd/example.go), with mapstructure's decoding ----


def _field(obj, name):
    """A key as mapstructure and encoding/json find it: exact, else case-insensitive."""
    if name in obj:
        return obj[name]
    for key, value in obj.items():
        if key.casefold() == name.casefold():
            return value
    return None


def _decode_string(value, path):
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PayloadError(path, "Expected a string")
    return value


def _decode_int(value, path):
    if value is None:
        return 0
    # mapstructure truncates floats into int fields; strings and booleans are errors.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -GO_INT64 <= value < GO_INT64:
        raise PayloadError(path, "Expected an integer")
    return int(value)


def _decode_strings(value, path):
    if value is None:
        return None
    if not isinstance(value, list):
        raise PayloadError(path, "Expected an array of strings")
    return [_decode_string(item, f"{path}.{i}") for i, item in enumerate(value)]


def _decode_vars(value, path):
    if value is None or isinstance(value, dict):
        return value
    raise PayloadError(path, "Expected an object")


FRAME_FIELDS = (
    ("abs_path", _decode_string),
    ("context_line", _decode_string),
    ("filename", _decode_string),
    ("function", _decode_string),
    ("lineno", _decode_int),
    ("module", _decode_string),
    ("post_context", _decode_strings),
    ("pre_context", _decode_strings),
    ("vars", _decode_vars),
)


def _decode_frame(value, path):
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise PayloadError(path, "Expected an object")
    return GoStruct((name, decode(_field(value, name), f"{path}.{name}")) for name, decode in FRAME_FIELDS)


def _stack_trace(raw_data):
    """raw_data decoded into the example's stackTrace struct: other keys dropped, gaps zeroed."""
    if isinstance(raw_data, GoStruct):
        return GoStruct(frames=None if raw_data["frames"] is None else [GoStruct(f) for f in raw_data["frames"]])
    path = "event_data.raw_data"
    if raw_data is None:
        raw_data = {}
    if not isinstance(raw_data, dict):
        raise PayloadError(path, "Expected an object with frames for the configured filters")
    frames = _field(raw_data, "frames")
    if frames is not None and not isinstance(frames, list):
        raise PayloadError(path + ".frames", "Expected an array")
    return GoStruct(
        frames=None if frames is None else [_decode_frame(f, f"{path}.frames.{i}") for i, f in enumerate(frames)]
    )


_MEMORY_ADDRESS = re.compile(r"0[xX][0-9a-fA-F]+")


def _process_stack_vars(stack):
    for frame in stack["frames"] or []:
        if frame["vars"] is not None:
            frame["vars"] = {
                key: _MEMORY_ADDRESS.sub("x", value) if isinstance(value, str) else value
                for key, value in frame["vars"].items()
            }
    return stack


def _remove_line_no(stack):
    for frame in stack["frames"] or []:
        frame["lineno"] = 0
    return stack


def _remove_stack_vars(stack):
    for frame in stack["frames"] or []:
        frame["vars"] = None
    return stack


FILTERS = {
    "exception_python_process_stack_vars": _process_stack_vars,
    "exception_python_remove_line_no": _remove_line_no,
    "exception_python_remove_stack_vars": _remove_stack_vars,
}


def apply_filters(event_data, names):
    """EventData after the named filters: each re-shapes raw_data into the stackTrace struct."""
    raw_data = event_data["raw_data"]
    for name in names:
        raw_data = FILTERS[name](_stack_trace(raw_data))
    return GoStruct(message=event_data["message"], raw_data=raw_data)


# ---- The capture body (models.UnaddedEvent) ----


def _string(payload, name, path=None):
    return _decode_string(_field(payload, name), path or name)


def _object(payload, name):
    value = _field(payload, name)
    if value is not None and not isinstance(value, dict):
        raise PayloadError(name, "Expected an object")
    return value


def _filter_names(payload):
    filters = _object(payload, "configurable_filters") or {}
    stages = {}
    known = ", ".join(sorted(FILTERS))
    for stage in FILTER_STAGES:
        path = f"configurable_filters.{stage}"
        names = _decode_strings(_field(filters, stage), path) or []
        for i, name in enumerate(names):
            if name not in FILTERS:
                # Upstream drops such an event silently after answering 200.
                raise PayloadError(f"{path}.{i}", f"Unknown filter {name!r}; known filters: {known}")
        stages[stage] = names
    return stages


def parse_timestamp(value, time_format, field="timestamp"):
    """A time in the configured format (strftime), read as UTC; Go also accepts fractional seconds."""
    formats = [time_format] + ([time_format.replace("%S", "%S.%f")] if "%S" in time_format else [])
    for candidate in formats:
        try:
            return datetime.strptime(value, candidate).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise PayloadError(field, f"Ensure {field} is in correct format: '{time_format}'")


def _frames(raw_data):
    """Common stack frames (innermost last, as Python tracebacks list them) when raw_data has them."""
    frames = raw_data.get("frames") if isinstance(raw_data, dict) else None
    if not isinstance(frames, list):
        return []
    return [
        {
            **{key: frame.get(key) for key in ("filename", "abs_path", "module", "function", "lineno", "context_line")},
            "in_app": in_app_path(frame.get("abs_path") or frame.get("filename")),
        }
        for frame in frames
        if isinstance(frame, dict)
    ]


def _check_numbers(value, path):
    """Go's decoder refuses integers beyond float64 (parse_json already refused NaN and Infinity)."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_numbers(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_numbers(item, f"{path}.{i}")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > sys.float_info.max:
        raise PayloadError(path, "Numbers must be finite and fit a float64")


def parse_capture(payload, *, time_format):
    """A capture body → (service name, IncomingEvent); PayloadError names the first bad field."""
    _check_numbers(payload, "")
    service = _string(payload, "service")
    environment = _string(payload, "environment")
    event_name = _string(payload, "event_name")
    event_type = _string(payload, "event_type")
    timestamp = parse_timestamp(_string(payload, "timestamp"), time_format)
    if not event_name or not event_type:
        raise PayloadError(
            "event_name" if not event_name else "event_type", "event_name and event_type cannot be empty"
        )
    for field, value, limit in (
        ("event_name", event_name, MAX_EVENT_NAME),
        ("event_type", event_type, MAX_EVENT_TYPE),
        ("environment", environment, MAX_ENVIRONMENT),
        ("service", service, MAX_SERVICE),
    ):
        if len(value) > limit:
            raise PayloadError(field, f"At most {limit} characters")
    data = _object(payload, "event_data") or {}
    event_data = {
        "message": _decode_string(_field(data, "message"), "event_data.message"),
        "raw_data": _field(data, "raw_data"),
    }
    extra_args = scrubbed(_object(payload, "extra_args"))
    filters = _filter_names(payload)
    groupings = _decode_strings(_field(payload, "configurable_groupings"), "configurable_groupings")

    generic_data = apply_filters(event_data, filters["instance"])
    processed_data = apply_filters(generic_data, filters["base"])
    fingerprint = base_hash(processed_data)
    generic_data_hash = base_hash(generic_data)
    message = event_data["message"]
    frames = _frames(event_data["raw_data"])
    return service, IncomingEvent(
        event_id=uuid.uuid4().hex,
        timestamp=timestamp,
        platform=event_type,
        message=message,
        # The event name is the exception class (the seed's ZeroDivisionError), the type its language.
        title=f"{event_name}: {message}" if message else event_name,
        culprit=crash_location(frames),
        error_type=event_name,
        exception_type=event_name,
        exception_value=message,
        frames=frames,
        environment=environment,
        fingerprint=fingerprint,
        tags={"service": service},
        data={
            "event_name": event_name,
            "event_type": event_type,
            "event_data": event_data,
            "processed_data": processed_data,
            "generic_data_hash": generic_data_hash,
            "extra_args": extra_args,
            "configurable_filters": filters,
            "configurable_groupings": groupings,
        },
        # Only extra_args is scrubbed: event_data is what the base hash covers, byte for byte.
        raw={key: extra_args if key.casefold() == "extra_args" else value for key, value in payload.items()},
    )
