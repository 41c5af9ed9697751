"""Sentry webhooks (`POST /sentry/webhook`) → occurrences or an issue status change.

Three shapes arrive here:
- Sentry integration-platform deliveries, told apart by the `Sentry-Hook-Resource` header
  (`issue`, `event_alert`, `error`, ...) and then by `action`;
- legacy project service hooks (`{"project", "group", "event"}`, no resource header);
- the seed collector's header-less "hybrid" sample (`data.issue` and `data.event` together).

The grouping key is the upstream issue id (`upstream:<id>`), so errorhub groups exactly as
Sentry did. Status changes are described, not applied: the view hands them to issues.services.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from errorhub.payload import PayloadError
from ingest.formats.common import IncomingEvent
from ingest.formats.scrubbing import scrubbed
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

# (resource, action) pairs that are one occurrence of an upstream issue.
OCCURRENCES = {
    ("issue", "created"),
    ("event_alert", "triggered"),
    ("error", "created"),
    # The seed collector processed "created" (seed era) and later "triggered" (its HEAD).
    ("hybrid", "created"),
    ("hybrid", "triggered"),
}
# Sentry's issue actions → errorhub Issue.Status values; Sentry's "archived" is our "ignored".
STATUS_ACTIONS = {"resolved": "resolved", "unresolved": "unresolved", "archived": "ignored", "ignored": "ignored"}
# Event and API URLs carry the project slug: /projects/<org>/<slug>/ or /<org>/<slug>/issues/.
PROJECT_IN_URL = re.compile(r"/projects/[^/]+/([^/]+)/")


@dataclass
class Delivery:
    """What one webhook delivery asks for: occurrences to accept, a status change, or nothing."""

    resource: str
    action: str
    project_slug: str = ""
    events: list = field(default_factory=list)
    # For issue/resolved|unresolved|archived: the issue's fingerprint and its new status.
    fingerprint: str = ""
    new_status: str = ""

    @property
    def ignored(self):
        return not self.events and not self.new_status


def upstream_fingerprint(issue_id):
    return f"upstream:{issue_id}"


def parse_delivery(body, resource="", received_at=None):
    """A webhook body (and its `Sentry-Hook-Resource` header, if any) → Delivery."""
    received_at = received_at or datetime.now(UTC)
    body = scrubbed(body)
    resource = resource.strip().lower() or _infer_resource(body)
    if resource == "service_hook":
        # Legacy service hooks (event.created / event.alert) carry the issue as "group".
        issue = _object(body, "group", "group")
        event = _object(body, "event", "event")
        project = body.get("project")
        slug = text(project.get("slug")) if isinstance(project, dict) else text(project)
        project = project if isinstance(project, dict) else {}
        occurrence = _occurrence(body, issue, event, project, "event", received_at, issue_path="group")
        return Delivery(resource, "created", (slug or _slug_from(issue, event))[:200], events=[occurrence])

    action = body.get("action")
    if not isinstance(action, str) or not action:
        raise PayloadError("action", "Required: a non-empty string such as created, triggered or resolved")
    delivery = Delivery(resource, action)
    if (resource, action) in OCCURRENCES or (resource == "issue" and action in STATUS_ACTIONS):
        data = _object(body, "data", "data")
    else:
        return delivery  # installation, comment, metric_alert, issue/assigned...: acknowledged only
    if resource == "issue" and action in STATUS_ACTIONS:
        issue = _object(data, "issue", "data.issue")
        delivery.fingerprint = upstream_fingerprint(_issue_id(issue, {}, "data.issue.id"))
        delivery.new_status = STATUS_ACTIONS[action]
        delivery.project_slug = _slug_from(issue, {})[:200]
        return delivery

    if resource == "issue":
        issue, event, path = _object(data, "issue", "data.issue"), {}, "data.issue"
    elif resource == "hybrid":
        issue = _optional_object(data, "issue", "data.issue")
        event, path = _optional_object(data, "event", "data.event"), "data.event"
    else:
        key = "event" if resource == "event_alert" else "error"
        issue, event, path = {}, _object(data, key, f"data.{key}"), f"data.{key}"
    project = _optional_object(data, "project", "data.project")
    delivery.project_slug = (text(project.get("slug")) or _slug_from(issue, event))[:200]
    delivery.events = [_occurrence(body, issue, event, project, path, received_at)]
    return delivery


def _infer_resource(body):
    """Deliveries without the resource header: a legacy service hook or the seed's hybrid sample."""
    if "data" not in body and ("event" in body or "group" in body):
        return "service_hook"
    return "hybrid"


def _object(parent, key, path):
    value = parent.get(key)
    if not isinstance(value, dict):
        raise PayloadError(path, "Required: an object" if value is None else "Expected an object")
    return value


def _optional_object(parent, key, path):
    if parent.get(key) is None:
        return {}
    return _object(parent, key, path)


def _slug_from(issue, event):
    project = issue.get("project")
    if isinstance(project, dict) and project.get("slug"):
        return text(project["slug"])
    for url in (event.get("url"), issue.get("project_url"), event.get("issue_url")):
        match = PROJECT_IN_URL.search(url or "") if isinstance(url, str) else None
        if match:
            return match.group(1)
    return ""


def _issue_id(issue, event, path):
    issue_id = text(issue.get("id") or event.get("issue_id") or event.get("groupID"))
    if not issue_id and path:
        raise PayloadError(path, "Required: the upstream issue id")
    return issue_id


def _occurrence(body, issue, event, project, path, received_at, issue_path="data.issue"):
    issue_id = _issue_id(issue, event, "")
    event_id = text(event.get("event_id") or event.get("id"))
    if not event_id:
        if not issue_id:
            raise PayloadError(f"{path}.event_id", "Required: an event id or an issue id")
        # issue/created carries no event; one delivery per issue, so retries stay one occurrence.
        event_id = f"sentry-issue-{issue_id}"
    exception = main_exception(event)
    metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
    exception_type = text(exception.get("type") or metadata.get("type"))
    exception_value = text(exception.get("value") or metadata.get("value"))
    title = text(event.get("title") or issue.get("title")) or ": ".join(filter(None, [exception_type, exception_value]))
    tags = tag_dict(event.get("tags"))
    project = project or (issue.get("project") if isinstance(issue.get("project"), dict) else {})
    return IncomingEvent(
        event_id=event_id[:200],
        timestamp=_timestamp([(event, path), (issue, issue_path)], received_at),
        level=normalized_level(event.get("level") or issue.get("level")),
        platform=text(event.get("platform") or issue.get("platform")),
        message=message_text(event) or title,
        title=title,
        culprit=text(event.get("culprit") or issue.get("culprit")),
        error_type=exception_type,
        exception_type=exception_type,
        exception_value=exception_value,
        frames=[clean_frame(f) for f in stack_frames(event, exception) if isinstance(f, dict)],
        user=user_name(event.get("user")),
        environment=text(event.get("environment") or tags.get("environment")),
        release=release_version(event.get("release")) or tags.get("release", ""),
        tags=tags,
        fingerprint=upstream_fingerprint(issue_id) if issue_id else "",
        data={
            "issue_id": issue_id or None,
            "issue_short_id": text(issue.get("shortId")) or None,
            "issue_title": text(issue.get("title")) or None,
            "issue_culprit": text(issue.get("culprit")) or None,
            "issue_permalink": text(issue.get("permalink") or event.get("web_url")) or None,
            "issue_level": text(issue.get("level")) or None,
            "issue_status": text(issue.get("status")) or None,
            "issue_logger": text(issue.get("logger")) or None,
            "event_logger": text(event.get("logger")) or None,
            "event_level": text(event.get("level")) or None,
            "project_name": text(project.get("name") or project.get("slug")) or None,
            "project_slug": text(project.get("slug")) or None,
            "project_id": text(project.get("id") or event.get("project")) or None,
            "breadcrumbs": breadcrumb_list(event),
            "exceptions": exception_chain(event),
            "user": user_object(event.get("user")),
        },
        raw=body,
    )


# When the event happened: the event's own time, else (issue/created has no event) the issue's.
TIMESTAMP_KEYS = ("timestamp", "datetime", "dateCreated", "lastSeen", "firstSeen")


def _timestamp(sources, received_at):
    """The first time found in [(object, its path), ...]; received_at when none has one."""
    for source, path in sources:
        for key in TIMESTAMP_KEYS:
            value = source.get(key)
            if value not in (None, ""):
                return moment(value, f"{path}.{key}")
    return received_at
