import json

import orjson
from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Project

DEFAULT_GROUP_NAME = "default"


class Level(models.TextChoices):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    FATAL = "fatal"


class Source(models.TextChoices):
    """The wire format an event arrived in."""

    HEALTHGUARD = "healthguard"
    PERISKOP = "periskop"
    EVENTSUM = "eventsum"
    SENTRY_WEBHOOK = "sentry_webhook"
    GLITCHTIP_WEBHOOK = "glitchtip_webhook"
    SENTRY = "sentry"


class EventGroup(models.Model):
    """Eventsum's groups: a named bucket of issues inside a project, assigned by /assign_group."""

    # No index of its own: group_name_per_project (project, name) serves every lookup by project.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="groups", db_index=False)
    name = models.CharField(max_length=200)
    info = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project_id", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="group_name_per_project")]

    def __str__(self):
        return self.name


class Issue(models.Model):
    class Status(models.TextChoices):
        UNRESOLVED = "unresolved"
        RESOLVED = "resolved"
        IGNORED = "ignored"

    class Substatus(models.TextChoices):
        """Why an unresolved issue is open (empty while resolved or ignored); see issues.lifecycle."""

        NEW = "new"
        ONGOING = "ongoing"
        REGRESSED = "regressed"
        ESCALATING = "escalating"

    # Served by issue_fingerprint_per_project (project, fingerprint), not an index of its own.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="issues", db_index=False)
    fingerprint = models.CharField(max_length=255)
    title = models.TextField(blank=True, default="")
    culprit = models.CharField(max_length=500, blank=True, default="")
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.ERROR)
    source = models.CharField(max_length=20, choices=Source.choices)
    # The reporter's own kind of error (HealthGuard errorType, exception class, ...).
    error_type = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNRESOLVED)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    event_count = models.PositiveBigIntegerField(default=0)
    # Indexed once, by issue_by_group below.
    group = models.ForeignKey(
        EventGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="issues", db_index=False
    )
    platform_distribution = models.JSONField(default=dict, blank=True)
    first_release = models.CharField(max_length=200, blank=True, default="")
    last_release = models.CharField(max_length=200, blank=True, default="")
    resolved_at = models.DateTimeField(null=True, blank=True)
    substatus = models.CharField(max_length=12, choices=Substatus.choices, blank=True, default=Substatus.NEW)
    # How the issue was resolved or ignored ({"in_next_release": true}, {"ignore_count": 5, ...}).
    status_details = models.JSONField(default=dict, blank=True)
    # Ignored for some minutes: when it wakes up (beat's snooze check and every read look here).
    ignore_until = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_issues"
    )
    # A merged issue stays as its fingerprint's alias: new events of it count into merged_into.
    merged_into = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="aliases")
    users_affected = models.PositiveIntegerField(default=0)
    # log2 of the event rate decayed with a half-life (issues.lifecycle.PRIORITY_HALF_LIFE_HOURS).
    priority = models.FloatField(default=0.0)
    message = models.TextField(blank=True, default="", help_text="the first event's message")

    class Meta:
        ordering = ["-last_seen", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "fingerprint"], name="issue_fingerprint_per_project"),
            models.CheckConstraint(condition=models.Q(first_seen__lte=models.F("last_seen")), name="issue_seen_order"),
        ]
        indexes = [
            # The issue lists: one project's issues, newest activity first, optionally by status.
            models.Index(fields=["project", "-last_seen"], name="issue_list_by_last_seen"),
            models.Index(fields=["project", "status", "-last_seen"], name="issue_list_by_status"),
            models.Index(fields=["project", "source", "-last_seen"], name="issue_list_by_source"),
            models.Index(fields=["group"], name="issue_by_group"),
            # The list's other sort orders.
            models.Index(fields=["project", "-first_seen"], name="issue_list_by_first_seen"),
            models.Index(fields=["project", "-event_count"], name="issue_list_by_count"),
            models.Index(fields=["project", "-users_affected"], name="issue_list_by_users"),
            models.Index(fields=["project", "-priority"], name="issue_list_by_priority"),
            models.Index(fields=["ignore_until"], condition=models.Q(ignore_until__isnull=False), name="issue_snoozes"),
            # Lists across projects (a superuser's API list, the admin changelist).
            models.Index(fields=["-last_seen", "-id"], name="issue_list"),
        ]

    def __str__(self):
        return self.title or self.fingerprint


class PayloadJSONEncoder(json.JSONEncoder):
    """orjson's text where it can write the value (~10x faster than json on an event), json's
    where it cannot (integers past 64 bits)."""

    def encode(self, value):
        try:
            return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
        except TypeError:
            return super().encode(value)


class PayloadJSONField(models.JSONField):
    """An event's JSON, encoded by orjson and bound once per row in bulk INSERTs on PostgreSQL.

    Django 5.2 bulk-inserts as UNNEST of one array per column unless a field has a
    get_placeholder; for a jsonb[] array psycopg then quotes every JSON text into the array
    literal with a regex, which was half the digest's time (docs/architecture.md, "Ingest path").
    """

    def get_placeholder(self, value, compiler, connection):
        return "%s"

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        return connection.ops.adapt_json_value(value, PayloadJSONEncoder)


class Event(models.Model):
    """One occurrence as received: durable on accept, attached to its issue by the digest."""

    # Both served by the composite indexes below (event_id_per_project, event_list_by_issue).
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events", db_index=False)
    issue = models.ForeignKey(
        Issue, on_delete=models.CASCADE, null=True, blank=True, related_name="events", db_index=False
    )
    event_id = models.CharField(max_length=200)
    source = models.CharField(max_length=20, choices=Source.choices)
    # What the reporter calls the event: error, http, performance, breadcrumb (HealthGuard).
    kind = models.CharField(max_length=20, default="error")
    timestamp = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.ERROR)
    platform = models.CharField(max_length=40, blank=True, default="")
    message = models.TextField(blank=True, default="")
    exception_type = models.CharField(max_length=500, blank=True, default="")
    exception_value = models.TextField(blank=True, default="")
    frames = PayloadJSONField(default=list, blank=True)
    user = models.CharField(max_length=200, blank=True, default="", help_text="user id, else anonymous id")
    environment = models.CharField(max_length=100, blank=True, default="")
    release = models.CharField(max_length=200, blank=True, default="")
    tags = PayloadJSONField(default=dict, blank=True)
    # Explicit from the reporter (HealthGuard, Periskop key, Eventsum hash) or computed by the digest.
    fingerprint = models.CharField(max_length=255, blank=True, default="")
    # Occurrences this row stands for: Periskop pushes counts, not one row per instance.
    count = models.PositiveIntegerField(default=1)
    # False only for events that never make an issue (HealthGuard performance, breadcrumbs, ok http).
    groupable = models.BooleanField(default=True)
    digested = models.BooleanField(default=False)
    # Why the digest set this event aside (it failed even alone, ingest.pipeline.digest_batch):
    # kept as accepted, out of the digest queue, and never pruned, since it was never counted.
    digest_error = models.TextField(blank=True, default="")
    data = PayloadJSONField(default=dict, blank=True, help_text="normalized payload")
    raw = PayloadJSONField(default=dict, blank=True, help_text="payload as received")

    class Meta:
        ordering = ["-timestamp", "-id"]
        constraints = [models.UniqueConstraint(fields=["project", "event_id"], name="event_id_per_project")]
        indexes = [
            models.Index(fields=["issue", "-timestamp"], name="event_list_by_issue"),
            models.Index(fields=["project", "-timestamp"], name="event_list_by_project"),
            # Lists across projects (a superuser's API list, the admin changelist).
            models.Index(fields=["-timestamp", "-id"], name="event_list"),
            # The Sentry collector's /errors: webhook events, newest received first.
            models.Index(fields=["source", "-received_at"], name="event_list_by_source_received"),
            models.Index(fields=["received_at"], name="event_retention"),
            models.Index(fields=["id"], condition=models.Q(digested=False, digest_error=""), name="event_digest_queue"),
        ]

    def __str__(self):
        return self.event_id


class IssueBucket(models.Model):
    """Events per issue per ERRORHUB_BUCKET_SECONDS: the time series behind datapoints and sparklines."""

    # Served by one_bucket_per_issue_and_start (issue, start).
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="buckets", db_index=False)
    start = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["issue_id", "start"]
        constraints = [models.UniqueConstraint(fields=["issue", "start"], name="one_bucket_per_issue_and_start")]
        indexes = [models.Index(fields=["start"], name="bucket_retention")]

    def __str__(self):
        return f"{self.issue_id}@{self.start:%Y-%m-%d %H:%M}: {self.count}"


class IssueActivity(models.Model):
    """The audit trail: every state change of an issue, by whom (None = errorhub itself)."""

    class Kind(models.TextChoices):
        FIRST_SEEN = "first_seen"
        RESOLVED = "resolved"
        IGNORED = "ignored"
        REOPENED = "reopened"
        REGRESSED = "regressed"
        ESCALATING = "escalating"
        ASSIGNED_GROUP = "assigned_group"
        ASSIGNED = "assigned"
        UNASSIGNED = "unassigned"
        COMMENTED = "commented"
        COMMENT_DELETED = "comment_deleted"
        MERGED = "merged"  # other issues were merged into this one
        MERGED_INTO = "merged_into"  # this issue was merged into another
        UNMERGED = "unmerged"

    # Served by activity_list_by_issue (issue, -created_at).
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="activities", db_index=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "issue activities"
        indexes = [
            models.Index(fields=["issue", "-created_at"], name="activity_list_by_issue"),
            # The admin's list across issues, and retention (created_at before the cutoff).
            models.Index(fields=["-created_at", "-id"], name="activity_list"),
        ]

    def __str__(self):
        return f"{self.kind} {self.issue_id}"


class IssueTag(models.Model):
    """How many of an issue's events carry a tag value (environment, release, browser, ...)."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="tag_values")
    key = models.CharField(max_length=64)
    value = models.CharField(max_length=200)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["issue_id", "key", "-count", "value"]
        constraints = [models.UniqueConstraint(fields=["issue", "key", "value"], name="one_tag_value_per_issue")]
        indexes = [
            models.Index(fields=["issue", "key", "-count"], name="tag_top_values"),
            # The list's `key:value` search: issues carrying a value.
            models.Index(fields=["key", "value"], name="tag_search"),
        ]

    def __str__(self):
        return f"{self.key}={self.value}: {self.count}"


class IssueUser(models.Model):
    """A distinct user an issue happened to (id, else email, else username, else IP)."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="users")
    user_key = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "user_key"], name="one_user_per_issue")]

    def __str__(self):
        return self.user_key


class IssueComment(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["issue", "created_at"], name="comment_list_by_issue")]

    def __str__(self):
        return f"comment {self.id} on {self.issue_id}"
