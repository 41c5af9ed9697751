"""HealthGuard SDK batches (`POST /api/events/batch`): validation as the collector's zod schema.

Unknown keys are stripped, as zod does; the stored payload is the parsed event, its
free-form parts scrubbed. An error's `stack` string is read into frames (V8, SpiderMonkey
and JavaScriptCore formats) for the culprit; upstream kept only the string.
"""

from urllib.parse import urlsplit

from errorhub.payload import PayloadError, from_epoch_ms
from ingest.formats.common import IncomingEvent
from ingest.formats.frames import crash_location, javascript_frames
from ingest.formats.scrubbing import scrubbed

MAX_BATCH = 50
PLATFORMS = {
    "web", "wechat-miniprogram", "flutter", "alipay-miniprogram", "uniapp-h5", "uniapp-wechat",
    "uniapp-alipay", "uniapp-douyin", "uniapp-app", "uniapp",
}  # fmt: skip
ENVIRONMENTS = {"development", "test", "production"}
ERROR_TYPES = {"js", "promise", "resource", "request", "native"}
BREADCRUMB_TYPES = {"navigation", "click", "http", "manual"}
RATINGS = {"good", "needs-improvement", "poor"}
MAX_CONTEXT_KEYS = 20
# What the SDK fills with the app's own data, where secrets can hide: scrubbed before storing.
FREE_FORM_FIELDS = {"context", "requestData", "deviceInfo", "breadcrumbs", "breadcrumb"}
# Event ids and app keys name rows (Event.event_id, Project.app_key): refused when longer, never cut.
MAX_ID_LENGTH = 200


def djb2_xor(text):
    """The SDK's hash: h = (h*33) ^ code over UTF-16 units with JS int32 arithmetic, in base 36."""
    units = text.encode("utf-16-le")
    h = 5381
    for i in range(0, len(units), 2):
        code = units[i] | units[i + 1] << 8
        h = ((h * 33 + 2**31) % 2**32 - 2**31) ^ code
    value = h % 2**32
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if not value:
            return out


def http_fingerprint(method, url, status, platform):
    pathname = urlsplit(url).path or "/"
    status_text = "unknown" if status is None else _js_number(status)
    return "http:" + djb2_xor(f"http|{method}|{pathname}|{status_text}|{platform or 'unknown'}")


def _js_number(value):
    return str(int(value)) if float(value).is_integer() else repr(value)


class _Reader:
    """Reads one object's fields, collecting zod-style issues ("path: message")."""

    def __init__(self, obj, path, issues):
        self.obj, self.path, self.issues = obj, path, issues
        self.parsed = {}

    def fail(self, key, message):
        self.issues.append(f"{self.path}{key}: {message}")

    def take(self, key, check, message, required=True):
        if key not in self.obj or (self.obj[key] is None and not required):
            if required:
                self.fail(key, "Required")
            return None
        value = self.obj[key]
        if not check(value):
            self.fail(key, message)
            return None
        self.parsed[key] = value
        return value

    def string(self, key, required=True, min_length=1, max_length=None):
        expected = "Expected a non-empty string" if min_length else "Expected a string"
        if max_length:
            expected += f" of at most {max_length} characters"
        return self.take(
            key,
            lambda v: isinstance(v, str) and min_length <= len(v) <= (max_length or len(v)),
            expected,
            required,
        )

    def number(self, key, required=True, minimum=None):
        return self.take(
            key,
            lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and (minimum is None or v >= minimum),
            "Expected a number" + (f" >= {minimum}" if minimum is not None else ""),
            required,
        )

    def choice(self, key, options, required=True):
        # Only a string can be one of them (a list or object in a set lookup is a TypeError).
        return self.take(
            key,
            lambda v: isinstance(v, str) and v in options,
            "Expected one of " + ", ".join(sorted(options)),
            required,
        )

    def boolean(self, key, required=True):
        return self.take(key, lambda v: isinstance(v, bool), "Expected a boolean", required)

    def small_object(self, key):
        return self.take(
            key,
            lambda v: isinstance(v, dict) and len(v) <= MAX_CONTEXT_KEYS,
            f"Expected an object with at most {MAX_CONTEXT_KEYS} keys",
            required=False,
        )


def _is_epoch_ms(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and from_epoch_ms(value) is not None


def _breadcrumb(value, path, issues):
    if not isinstance(value, dict):
        issues.append(f"{path}: Expected an object")
        return None
    reader = _Reader(value, path + ".", issues)
    reader.choice("type", BREADCRUMB_TYPES)
    reader.string("message", min_length=0)
    reader.number("timestamp")
    reader.take("data", lambda v: isinstance(v, dict), "Expected an object", required=False)
    return reader.parsed


def _read_event(value, index, batch_app_key, issues):
    path = f"events.{index}."
    if not isinstance(value, dict):
        issues.append(f"events.{index}: Expected an object")
        return None
    r = _Reader(value, path, issues)
    r.string("eventId", max_length=MAX_ID_LENGTH)
    app_key = r.string("appKey")
    if app_key is not None and app_key != batch_app_key:
        r.fail("appKey", "event appKey must match batch appKey")
    r.choice("platform", PLATFORMS)
    r.take("timestamp", _is_epoch_ms, "Expected epoch milliseconds")
    r.string("sessionId")
    r.string("userId", required=False, min_length=0)
    r.string("anonymousId")
    r.string("release", required=False, min_length=0)
    r.choice("environment", ENVIRONMENTS, required=False)
    r.string("pageUrl", required=False, min_length=0)
    r.string("sdkVersion")
    r.take("deviceInfo", lambda v: isinstance(v, dict), "Expected an object", required=False)
    kind = r.choice("type", {"error", "http", "performance", "breadcrumb"})
    if kind == "error":
        r.choice("errorType", ERROR_TYPES)
        r.string("message")
        r.string("stack", required=False, min_length=0)
        r.string("filename", required=False, min_length=0)
        r.number("lineno", required=False)
        r.number("colno", required=False)
        r.string("fingerprint")
        crumbs = r.take("breadcrumbs", lambda v: isinstance(v, list), "Expected an array")
        if crumbs is not None:
            r.parsed["breadcrumbs"] = [_breadcrumb(c, f"{path}breadcrumbs.{i}", issues) for i, c in enumerate(crumbs)]
        r.small_object("context")
        r.string("page", required=False, min_length=0)
        r.string("scene", required=False, min_length=0)
    elif kind == "http":
        r.string("method")
        r.string("url")
        r.number("status", required=False)
        r.number("duration", minimum=0)
        r.boolean("success")
        r.string("errorMessage", required=False, min_length=0)
        r.string("fingerprint", required=False)
        r.small_object("context")
        r.small_object("requestData")
        r.string("page", required=False, min_length=0)
        r.string("scene", required=False, min_length=0)
    elif kind == "performance":
        r.string("name")
        r.number("value")
        r.choice("rating", RATINGS, required=False)
    elif kind == "breadcrumb":
        if "breadcrumb" not in value:
            r.fail("breadcrumb", "Required")
        else:
            r.parsed["breadcrumb"] = _breadcrumb(value["breadcrumb"], f"{path}breadcrumb", issues)
    return r.parsed


def _incoming(event):
    event = {key: scrubbed(value) if key in FREE_FORM_FIELDS else value for key, value in event.items()}
    kind = event["type"]
    timestamp = from_epoch_ms(event["timestamp"])
    common = {
        "event_id": event["eventId"],
        "timestamp": timestamp,
        "kind": kind,
        "platform": event["platform"],
        "user": event.get("userId") or event["anonymousId"],
        "environment": event.get("environment", ""),
        "release": event.get("release", ""),
        "tags": {"sessionId": event["sessionId"], "sdkVersion": event["sdkVersion"]},
        "raw": event,
    }
    if kind == "error":
        frames = javascript_frames(event.get("stack"))
        return IncomingEvent(
            **common,
            message=event["message"],
            title=event["message"],
            culprit=crash_location(frames) or event.get("filename", ""),
            error_type=event["errorType"],
            frames=frames,
            fingerprint=event["fingerprint"],
            data={"stack": event.get("stack", ""), "breadcrumbs": event["breadcrumbs"]},
        )
    if kind == "http" and not event["success"]:
        # The collector recomputes failed-request fingerprints and stores them in the event.
        event["fingerprint"] = http_fingerprint(event["method"], event["url"], event.get("status"), event["platform"])
        pathname = urlsplit(event["url"]).path or "/"
        title = f"{event['method']} {pathname}"
        if event.get("errorMessage"):
            title += f" - {event['errorMessage']}"
        return IncomingEvent(**common, message=title, title=title, error_type="http", fingerprint=event["fingerprint"])
    return IncomingEvent(**common, level="info", message=event.get("name", ""), groupable=False)


def parse_batch(payload):
    """A batch body → (appKey, [IncomingEvent]); any invalid event rejects the whole batch."""
    if not isinstance(payload, dict):
        raise PayloadError("", "Invalid event batch: Expected an object")
    issues = []
    reader = _Reader(payload, "", issues)
    app_key = reader.string("appKey", max_length=MAX_ID_LENGTH)
    events = reader.take(
        "events",
        lambda v: isinstance(v, list) and 1 <= len(v) <= MAX_BATCH,
        f"Expected an array of 1 to {MAX_BATCH} events",
    )
    parsed = [_read_event(e, i, app_key, issues) for i, e in enumerate(events or [])]
    if issues:
        field = issues[0].split(":", 1)[0]
        raise PayloadError(field, "Invalid event batch: " + "; ".join(issues))
    return app_key, [_incoming(event) for event in parsed]
