"""Request bodies of the issue alert rules API, checked field by field.

As strict as the Kapacitor tasks' bodies (alerts.validation): every bad value is an
InvalidAlertRule naming its field (`targets[1].url`, `triggers[0].minutes`), which the API
answers with a 400. The one outside call is the DNS lookup that keeps webhook and Slack URLs
out of the internal network.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from alerts.models import TargetKind, Trigger
from issues.models import Level, Source

FIELDS = ("project", "name", "triggers", "environment", "min_level", "source", "targets", "cooldown_minutes")
SIMPLE_TRIGGERS = (Trigger.NEW_ISSUE, Trigger.REGRESSION, Trigger.ESCALATING)
TRIGGER_FLAGS = {
    Trigger.NEW_ISSUE: "on_new_issue",
    Trigger.REGRESSION: "on_regression",
    Trigger.ESCALATING: "on_escalating",
}
TARGET_KEYS = {TargetKind.EMAIL: {"to"}, TargetKind.SLACK: {"url", "channel"}, TargetKind.WEBHOOK: {"url"}}
MAX_TARGETS = 10
MAX_RECIPIENTS = 20
MAX_SPIKE_COUNT = 1_000_000
MAX_SPIKE_MINUTES = 24 * 60  # the time series is read back this far at most
MAX_COOLDOWN_MINUTES = 7 * 24 * 60
MAX_URL_LENGTH = 2000


@dataclass
class InvalidAlertRule(Exception):
    field: str
    message: str


def alert_rule(body, *, stored=None, allow_private_targets=False):
    """The stored fields of a rule (a dict, `targets` a list of (kind, config)).

    POST: `body` whole. PATCH: `stored` is the rule as it is and `body` only what changes;
    the result is checked as a whole.
    """
    if not isinstance(body, dict):
        raise InvalidAlertRule("body", "body must be a JSON object")
    for key in body:
        if key not in FIELDS:
            raise InvalidAlertRule(str(key), f"{key} is not a field of an alert rule (fields: {', '.join(FIELDS)})")
    given = {**(stored or {}), **body}
    for field in ("project", "name", "triggers", "targets"):
        if given.get(field) is None:
            raise InvalidAlertRule(field, f"{field} is required")
    return {
        "project": whole_number(given["project"], "project", minimum=1),
        "name": text(given["name"], "name", max_length=200, required=True),
        **triggers(given["triggers"]),
        "environment": text(given.get("environment") or "", "environment", max_length=100),
        "min_level": choice(given.get("min_level") or "", "min_level", Level.values),
        "source": choice(given.get("source") or "", "source", Source.values),
        "targets": targets(given["targets"], allow_private=allow_private_targets),
        "cooldown_minutes": whole_number(
            given.get("cooldown_minutes", 30), "cooldown_minutes", minimum=0, maximum=MAX_COOLDOWN_MINUTES
        ),
    }


def text(value, field, *, max_length, required=False):
    if not isinstance(value, str):
        raise InvalidAlertRule(field, f"{field} must be a string")
    if any(ord(char) < 32 for char in value):
        raise InvalidAlertRule(field, f"{field} must not contain control characters")
    value = value.strip()
    if required and not value:
        raise InvalidAlertRule(field, f"{field} must not be empty")
    if len(value) > max_length:
        raise InvalidAlertRule(field, f"{field} must be at most {max_length} characters")
    return value


def choice(value, field, choices):
    if value != "" and value not in choices:
        raise InvalidAlertRule(field, f"{field} must be one of {', '.join(choices)} (or empty for any)")
    return value


def whole_number(value, field, *, minimum, maximum=2**31 - 1):
    # bool is an int in Python, and 2.0 is not a count.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAlertRule(field, f"{field} must be a whole number")
    if not minimum <= value <= maximum:
        raise InvalidAlertRule(field, f"{field} must be from {minimum} to {maximum}")
    return value


def triggers(value):
    """["new_issue", "regression", "escalating", {"kind": "spike", "count": N, "minutes": M}], any of them."""
    usage = 'triggers must be a non-empty list of "new_issue", "regression", "escalating" or {"kind": "spike", ...}'
    if not isinstance(value, list) or not value:
        raise InvalidAlertRule("triggers", usage)
    flags = {flag: False for flag in TRIGGER_FLAGS.values()}
    flags.update(spike_count=None, spike_minutes=None)
    for index, item in enumerate(value):
        field = f"triggers[{index}]"
        if isinstance(item, str) and item in SIMPLE_TRIGGERS:
            flags[TRIGGER_FLAGS[item]] = True
        elif isinstance(item, dict) and item.get("kind") == Trigger.SPIKE:
            if flags["spike_count"] is not None:
                raise InvalidAlertRule(field, "only one spike trigger per rule")
            for key in item:
                if key not in ("kind", "count", "minutes"):
                    raise InvalidAlertRule(f"{field}.{key}", f"a spike trigger has only count and minutes, not {key}")
            for key in ("count", "minutes"):
                if key not in item:
                    raise InvalidAlertRule(f"{field}.{key}", f"a spike trigger needs {key}")
            flags["spike_count"] = whole_number(item["count"], f"{field}.count", minimum=1, maximum=MAX_SPIKE_COUNT)
            flags["spike_minutes"] = whole_number(
                item["minutes"], f"{field}.minutes", minimum=1, maximum=MAX_SPIKE_MINUTES
            )
        else:
            raise InvalidAlertRule(field, f"{field}: {usage}")
    return flags


def targets(value, *, allow_private):
    """[{"kind": "email", "to": [...]}, {"kind": "slack", "url", "channel"?}, {"kind": "webhook", "url"}]."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_TARGETS:
        raise InvalidAlertRule("targets", f"targets must be a list of 1 to {MAX_TARGETS} targets")
    checked = []
    for index, item in enumerate(value):
        field = f"targets[{index}]"
        if not isinstance(item, dict) or item.get("kind") not in TARGET_KEYS:
            raise InvalidAlertRule(f"{field}.kind", f"{field}.kind must be one of {', '.join(TARGET_KEYS)}")
        kind = TargetKind(item["kind"])
        for key in item:
            if key != "kind" and key not in TARGET_KEYS[kind]:
                raise InvalidAlertRule(f"{field}.{key}", f"a {kind} target has no {key}")
        if kind == TargetKind.EMAIL:
            config = {"to": recipients(item.get("to"), f"{field}.to")}
        else:
            config = {"url": target_url(item.get("url"), f"{field}.url", allow_private=allow_private)}
            if kind == TargetKind.SLACK and item.get("channel"):
                config["channel"] = slack_channel(item["channel"], f"{field}.channel")
        checked.append((kind, config))
    return checked


def recipients(value, field):
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_RECIPIENTS:
        raise InvalidAlertRule(field, f"{field} must be a list of 1 to {MAX_RECIPIENTS} email addresses")
    addresses = []
    for address in value:
        try:
            if not isinstance(address, str):
                raise ValidationError("not a string")
            validate_email(address.strip())
        except ValidationError:
            raise InvalidAlertRule(field, f"{field}: {address!r} is not an email address") from None
        addresses.append(address.strip())
    return addresses


def slack_channel(value, field):
    """As the Kapacitor tasks: `ops` means `#ops`."""
    value = text(value, field, max_length=80)
    if not value or any(char.isspace() for char in value):
        raise InvalidAlertRule(field, f"{field} must be a channel like #ops or a user like @me")
    return value if value[0] in "#@" else "#" + value


def target_url(value, field, *, allow_private):
    if not isinstance(value, str) or not value.strip():
        raise InvalidAlertRule(field, f"{field} is required: an http(s) URL")
    value = value.strip()
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or len(value) > MAX_URL_LENGTH
        or any(char.isspace() or ord(char) < 32 for char in value)
    ):
        raise InvalidAlertRule(field, f"{field} must be an http(s) URL")
    try:
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise InvalidAlertRule(field, f"{field} has an invalid port") from None
    if not allow_private:
        try:
            refused = internal_address(parts.hostname)
        except OSError:
            raise InvalidAlertRule(field, f"{field}: the host {parts.hostname} does not resolve") from None
        if refused:
            raise InvalidAlertRule(
                field,
                f"{field} resolves to {refused}, a loopback, private or link-local address; "
                "such targets need ERRORHUB_ALLOW_PRIVATE_TARGETS=true",
            )
    return value


def internal_address(host):
    """The first address `host` resolves to that is not on the public internet, else None.

    Raises OSError when it does not resolve. Checked again before every send, since DNS can
    change between the rule's creation and its delivery.
    """
    for *_, sockaddr in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP):
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if address.version == 6 and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            return str(address)
    return None
