"""What an issue alert says: the email (text and HTML), the Slack Block Kit message and the
signed webhook JSON, from the facts alerts.selectors.issue_facts reads. No I/O here."""

import hashlib
import hmac
import json

from django.template.loader import render_to_string

from alerts.models import Trigger

HEADLINES = {
    Trigger.NEW_ISSUE: "New issue",
    Trigger.REGRESSION: "Regression",
    Trigger.ESCALATING: "Escalating issue",
    Trigger.SPIKE: "Spike",
    Trigger.TEST: "Test notification",
}
# A digest lists this many of its issues; the count says how many there were in all.
DIGEST_LISTED = 50
SLACK_DIGEST_LISTED = 10
SIGNATURE_HEADER = "X-Errorhub-Signature"


def headline(trigger, rule, issues):
    """The one line that says what happened: a subject, a Slack header."""
    project = rule.project.name
    if trigger == Trigger.TEST:
        return f"Test notification from errorhub for the rule {rule.name!r} of {project}"
    if len(issues) > 1:
        return f"{len(issues)} new issues in {project}"
    issue = issues[0]
    if trigger == Trigger.SPIKE:
        return f"Spike in {project}: {issue['title']} ({rule.spike_count}+ events in {rule.spike_minutes} min)"
    return f"{HEADLINES[trigger]} in {project}: {issue['title']}"


def webhook_body(trigger, rule, issues, sent_at):
    """One issue: {"trigger", "issue", "rule", "sent_at"}; a burst digest has "issues" instead."""
    public = [{key: value for key, value in issue.items() if key != "environment"} for issue in issues]
    body = {"trigger": str(trigger)}
    if len(issues) == 1:
        body["issue"] = public[0]
    elif issues:
        body.update(issues=public[:DIGEST_LISTED], issue_count=len(issues))
    else:
        body["issue"] = None  # a test notification
    body.update(rule={"id": rule.id, "name": rule.name}, sent_at=sent_at.isoformat())
    return json.dumps(body).encode()


def signature(secret, body):
    """sha256=<hex HMAC-SHA256 of the body with the rule's secret>, as the receiver recomputes it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def slack_escape(text):
    # Slack's mrkdwn reads &, < and > as markup; everything else is literal.
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_link(issue):
    return f"*<{issue['url']}|{slack_escape(issue['title'])[:300]}>*"


def slack_issue_fields(issue):
    facts = [
        ("Project", issue["project"]["name"]),
        ("Environment", issue["environment"] or "—"),
        ("Level", issue["level"]),
        ("Status", issue["status"]),
        ("Events", issue["event_count"]),
        ("Users affected", issue["users_affected"]),
        ("First seen", issue["first_seen"]),
        ("Last seen", issue["last_seen"]),
    ]
    return [{"type": "mrkdwn", "text": f"*{name}*\n{slack_escape(value)}"} for name, value in facts]


def slack_body(trigger, rule, issues, channel=None):
    """A Block Kit message with a plain `text` fallback (notifications, old clients)."""
    title = headline(trigger, rule, issues)
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
    if len(issues) == 1:
        issue = issues[0]
        culprit = f"\n`{slack_escape(issue['culprit'])[:500]}`" if issue["culprit"] else ""
        blocks += [
            {"type": "section", "text": {"type": "mrkdwn", "text": slack_link(issue) + culprit}},
            {"type": "section", "fields": slack_issue_fields(issue)},
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Open in errorhub"}, "url": issue["url"]}
                ],
            },
        ]
    elif issues:
        for issue in issues[:SLACK_DIGEST_LISTED]:
            line = f"{slack_link(issue)}\n{slack_escape(issue['level'])} · {issue['event_count']} events"
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": line}})
        if len(issues) > SLACK_DIGEST_LISTED:
            more = len(issues) - SLACK_DIGEST_LISTED
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"…and {more} more"}})
    else:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": "Alerts of this rule will look like this."}}
        )
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"Rule: {slack_escape(rule.name)}"}]})
    body = {"text": title, "blocks": blocks}
    if channel:
        body["channel"] = channel
    return json.dumps(body).encode()


def email(trigger, rule, issues):
    """(subject, text, html) of the alert email."""
    context = {
        "headline": headline(trigger, rule, issues),
        "rule": rule,
        "issue": issues[0] if len(issues) == 1 else None,
        "issues": issues[:DIGEST_LISTED] if len(issues) > 1 else [],
        "more": max(len(issues) - DIGEST_LISTED, 0),
        "test": trigger == Trigger.TEST,
    }
    subject = "[errorhub] " + " ".join(context["headline"].split())[:200]
    return (
        subject,
        render_to_string("alerts/issue_alert.txt", context),
        render_to_string("alerts/issue_alert.html", context),
    )
