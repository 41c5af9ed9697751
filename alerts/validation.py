"""Request bodies of the alerts API, checked before anything reaches Kapacitor.

The original accepted anything and let Kapacitor fail later with a 500 (or, for a missing
dynotype, left an orphan task). Here each bad value is a 400 naming its field.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from alerts.tickscript import TOLERANCE_SIGMA

# Kapacitor task ids allow only letters, digits, '-', '.' and '_' (^[-\._\p{L}0-9]+$).
SAFE_NAME = re.compile(r"[-.\w]+", re.ASCII)
# A dyno type ends a memory task id (<app>-sample.memory_total-<dynotype>), so it has no '-'
# or '.', and an app never contains that marker: then no two tasks can share an id.
DYNOTYPE = re.compile(r"\w+", re.ASCII)
MEMORY_MARKER = "-sample.memory_total"
DURATION = re.compile(r"\d+(u|µ|ms|s|m|h|d|w)")
MEGABYTES = re.compile(r"\d+(\.\d+)?")
EMAIL_ADDRESS = re.compile(r"[^@\s,'\\]+@[^@\s,'\\]+")
NOTIFY_FIELDS = ("slack", "email", "post")

FIELDS = {
    "5xx": ("app", "tolerance", *NOTIFY_FIELDS),
    "crashed": ("app", *NOTIFY_FIELDS),
    "release": ("app", *NOTIFY_FIELDS),
    "memory": ("app", "dynotype", "warn", "crit", "window", "every", *NOTIFY_FIELDS),
}
# PATCH names the task with these and may change only the others.
KEY_FIELDS = {"5xx": ("app",), "crashed": ("app",), "release": ("app",), "memory": ("app", "dynotype")}


@dataclass
class InvalidAlertTask(Exception):
    field: str
    message: str


def normalized_keys(body):
    """Go's encoding/json matched keys case-insensitively, so clients may send "App" or "APP"."""
    return {str(key).lower(): value for key, value in body.items()}


def text(body, field):
    value = body.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidAlertTask(field, f"{field} must be a string")
    if any(ord(char) < 32 for char in value):
        raise InvalidAlertTask(field, f"{field} must not contain control characters")
    return value.strip()


def safe_name(body, field):
    value = text(body, field)
    if not value:
        raise InvalidAlertTask(field, f"{field} is required")
    if field == "dynotype" and not DYNOTYPE.fullmatch(value):
        raise InvalidAlertTask(field, f"{field} may contain only letters, digits and '_'")
    if not SAFE_NAME.fullmatch(value):
        raise InvalidAlertTask(field, f"{field} may contain only letters, digits, '-', '.' and '_'")
    if field == "app" and MEMORY_MARKER in value:
        raise InvalidAlertTask(field, f"app must not contain {MEMORY_MARKER!r} (it marks memory task ids)")
    return value


def megabytes(body, field):
    value = body.get(field)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value)) if float(value).is_integer() else str(value)
    if not isinstance(value, str) or not MEGABYTES.fullmatch(value.strip()):
        raise InvalidAlertTask(field, f'{field} must be a non-negative number of MB, like "500"')
    return value.strip()


def duration(body, field):
    value = text(body, field)
    if not DURATION.fullmatch(value):
        raise InvalidAlertTask(field, f"{field} must be a duration like 30s, 1m, 12h or 1d")
    return value


def slack_channel(body):
    """Without a leading '#' or '@' the original prepends '#': `ops` means `#ops`."""
    value = text(body, "slack")
    return value if not value or value[0] in "#@" else "#" + value


def email_list(body):
    """Comma-separated addresses, trimmed (the original kept the spaces after commas)."""
    addresses = [address.strip() for address in text(body, "email").split(",") if address.strip()]
    for address in addresses:
        if not EMAIL_ADDRESS.fullmatch(address):
            raise InvalidAlertTask("email", f"email {address!r} is not an email address")
    return ",".join(addresses)


def webhook_url(body):
    value = text(body, "post")
    if value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or any(c in value for c in "'\\ \n"):
            raise InvalidAlertTask("post", "post must be an http(s) URL")
    return value


def alert_task(kind, body):
    """The stored fields of one alert task of `kind`, or InvalidAlertTask naming the first bad field."""
    body = normalized_keys(body)
    task = {"app": safe_name(body, "app")}
    if kind == "5xx":
        tolerance = text(body, "tolerance")
        if tolerance not in TOLERANCE_SIGMA:
            raise InvalidAlertTask("tolerance", "tolerance must be one of low, medium, high")
        task["tolerance"] = tolerance
    if kind == "memory":
        task["dynotype"] = safe_name(body, "dynotype")
        task.update(warn=megabytes(body, "warn"), crit=megabytes(body, "crit"))
        task.update(window=duration(body, "window"), every=duration(body, "every"))
    task.update(slack=slack_channel(body), email=email_list(body), post=webhook_url(body))
    if not any(task[field] for field in NOTIFY_FIELDS):
        raise InvalidAlertTask("slack", "at least one of slack, email or post is required")
    return task


def project_link(body):
    """The project a task is linked to (its alerts page shows the task): an id or a slug; null
    or "" unlinks. An errorhub addition; the original's tasks belong to no project."""
    value = normalized_keys(body).get("project")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidAlertTask("project", "project must be a project id or slug")
    return value


def task_key(kind, body):
    """The fields that name the task a PATCH is about (app, and dynotype for memory)."""
    body = normalized_keys(body)
    return {field: safe_name(body, field) for field in KEY_FIELDS[kind]}


def merged(kind, stored, body):
    """PATCH: the stored fields with the ones the body gives replaced, checked as a whole."""
    body = normalized_keys(body)
    return alert_task(kind, {**stored, **{key: value for key, value in body.items() if key in FIELDS[kind]}})
