"""Sending one message to one target: SMTP through Django's mail, HTTP POST for Slack and
webhooks. Each send either returns what the receiver answered or raises DeliveryError."""

from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from alerts import messages
from alerts.models import TargetKind
from alerts.rule_validation import internal_address

USER_AGENT = "errorhub-alerts/1"
# The part of a receiver's answer kept on the delivery: enough to read an error message.
RESPONSE_KEPT = 500


class DeliveryError(Exception):
    """`retry` False: trying again cannot help (the receiver refused the message itself)."""

    def __init__(self, message, *, retry=True):
        super().__init__(message)
        self.message = message
        self.retry = retry


def send(target, trigger, rule, issues, sent_at):
    """Deliver the message for `issues` to `target`; returns a short account of the answer."""
    if target.kind == TargetKind.EMAIL:
        return send_email(target, trigger, rule, issues)
    if target.kind == TargetKind.SLACK:
        body = messages.slack_body(trigger, rule, issues, target.config.get("channel"))
        return post(target.config["url"], body, {})
    body = messages.webhook_body(trigger, rule, issues, sent_at)
    return post(target.config["url"], body, {messages.SIGNATURE_HEADER: messages.signature(rule.secret, body)})


def send_email(target, trigger, rule, issues):
    subject, text, html = messages.email(trigger, rule, issues)
    mail = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, target.config["to"])
    mail.attach_alternative(html, "text/html")
    try:
        mail.send()
    except OSError as exc:  # smtplib's errors are OSErrors, as are refused connections and timeouts
        raise DeliveryError(f"SMTP: {exc}") from exc
    return f"sent to {', '.join(target.config['to'])}"


def post(url, body, headers):
    host = urlsplit(url).hostname
    if not settings.ERRORHUB_ALLOW_PRIVATE_TARGETS:
        # Checked again at every send: DNS may point the name elsewhere since the rule was saved.
        try:
            refused = internal_address(host)
        except OSError as exc:
            raise DeliveryError(f"{host} does not resolve: {exc}") from exc
        if refused:
            raise DeliveryError(f"{host} resolves to the internal address {refused}; refused", retry=False)
    try:
        response = requests.post(
            url,
            data=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
            timeout=settings.ERRORHUB_ALERT_TIMEOUT_SECONDS,
            # A redirect could lead into the internal network the address check keeps out.
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    answer = f"{response.status_code} {response.text[:RESPONSE_KEPT]}".strip()
    if response.status_code >= 300:
        # The receiver's own trouble (5xx), or asking us to slow down (429), may pass.
        transient = response.status_code >= 500 or response.status_code in (408, 429)
        raise DeliveryError(f"HTTP {answer}", retry=transient)
    return answer
