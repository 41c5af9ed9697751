"""GlitchTip webhooks (`POST /glitchtip/webhook`): its Slack/MS-Teams alert body → occurrences.

GlitchTip sends one notification for up to three issues (one attachment each), with no
event id and no signature. Each attachment is a new occurrence of its issue, grouped by
the upstream issue id parsed from `title_link`, as Sentry webhooks are.
"""

import hashlib
import re
import uuid
from datetime import UTC, datetime

from errorhub.payload import PayloadError
from ingest.formats.common import IncomingEvent
from ingest.formats.scrubbing import scrubbed
from ingest.formats.sentry_webhook import upstream_fingerprint

FORMAT_MISMATCH = "Webhook payload doesn't match GlitchTip Slack/Microsoft Teams format"
ISSUE_IN_URL = re.compile(r"/issues/(\d+)")
SHORT_ID = re.compile(r"\[View Issue\s+([^\]]+)\]")


def is_glitchtip_body(body):
    """GlitchTip's body is recognisable without a header: Sentry never sends `alias` + `attachments`."""
    return "alias" in body and "attachments" in body


def parse_notification(body, received_at=None):
    """A notification body → (project name, [IncomingEvent]); the project is "" when not named."""
    received_at = received_at or datetime.now(UTC)
    body = scrubbed(body)
    if "alias" not in body:
        raise PayloadError("alias", f"{FORMAT_MISMATCH}: alias is required")
    attachments = body.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        raise PayloadError("attachments", f"{FORMAT_MISMATCH}: attachments must be a non-empty list")
    sections = body.get("sections") if isinstance(body.get("sections"), list) else []
    events, project = [], ""
    for index, attachment in enumerate(attachments):
        section = sections[index] if index < len(sections) and isinstance(sections[index], dict) else {}
        fields = _fields(attachment, index)
        project = project or fields.get("project", "")[:200]
        events.append(_occurrence(body, attachment, section, fields, received_at))
    return project, events


def _fields(attachment, index):
    if not isinstance(attachment, dict):
        raise PayloadError(f"attachments.{index}", "Expected an object")
    title = attachment.get("title")
    if not isinstance(title, str) or not title:
        raise PayloadError(f"attachments.{index}.title", "Required: the issue title")
    fields = attachment.get("fields") or []
    if not isinstance(fields, list):
        raise PayloadError(f"attachments.{index}.fields", "Expected a list")
    return {
        str(f.get("title", "")).lower(): str(f.get("value") or "")
        for f in fields
        if isinstance(f, dict) and f.get("title")
    }


def _occurrence(body, attachment, section, fields, received_at):
    title = attachment["title"]
    permalink = attachment.get("title_link") if isinstance(attachment.get("title_link"), str) else ""
    match = ISSUE_IN_URL.search(permalink)
    issue_id = match.group(1) if match else ""
    subtitle = section.get("activitySubtitle") if isinstance(section.get("activitySubtitle"), str) else ""
    short_id = SHORT_ID.search(subtitle)
    # GlitchTip titles read "<ExceptionType>: <value>" for exceptions, plain text for messages.
    exception_type, _, exception_value = title.partition(":") if ":" in title else ("", "", "")
    culprit = attachment.get("text") if isinstance(attachment.get("text"), str) else ""
    issue_key = issue_id or hashlib.md5(title.encode()).hexdigest()[:8]
    return IncomingEvent(
        # No event id upstream: every notification is a new occurrence (upstream did the same).
        event_id=f"glitchtip-{issue_key[:100]}-{uuid.uuid4().hex}",
        timestamp=received_at,
        message=title,
        title=title,
        culprit=culprit,
        error_type=exception_type.strip(),
        exception_type=exception_type.strip(),
        exception_value=exception_value.strip(),
        environment=fields.get("environment", ""),
        release=fields.get("release", ""),
        fingerprint=upstream_fingerprint(issue_id) if issue_id else "",
        data={
            "issue_id": issue_id or None,
            "issue_short_id": short_id.group(1).strip() if short_id else None,
            "issue_title": title,
            "issue_culprit": culprit or None,
            "issue_permalink": permalink or None,
            "project_name": fields.get("project") or None,
            "project_slug": fields.get("project") or None,
        },
        raw=body,
    )
