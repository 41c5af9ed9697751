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

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="groups")
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

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="issues")
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
    group = models.ForeignKey(EventGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="issues")
    platform_distribution = models.JSONField(default=dict, blank=True)
    first_release = models.CharField(max_length=200, blank=True, default="")
    last_release = models.CharField(max_length=200, blank=True, default="")
    resolved_at = models.DateTimeField(null=True, blank=True)

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
        ]

    def __str__(self):
        return self.title or self.fingerprint


class Event(models.Model):
    """One occurrence as received: durable on accept, attached to its issue by the digest."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
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
    frames = models.JSONField(default=list, blank=True)
    user = models.CharField(max_length=200, blank=True, default="", help_text="user id, else anonymous id")
    environment = models.CharField(max_length=100, blank=True, default="")
    release = models.CharField(max_length=200, blank=True, default="")
    tags = models.JSONField(default=dict, blank=True)
    # Explicit from the reporter (HealthGuard, Periskop key, Eventsum hash) or computed by the digest.
    fingerprint = models.CharField(max_length=255, blank=True, default="")
    # Occurrences this row stands for: Periskop pushes counts, not one row per instance.
    count = models.PositiveIntegerField(default=1)
    # False only for events that never make an issue (HealthGuard performance, breadcrumbs, ok http).
    groupable = models.BooleanField(default=True)
    digested = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True, help_text="normalized payload")
    raw = models.JSONField(default=dict, blank=True, help_text="payload as received")

    class Meta:
        ordering = ["-timestamp", "-id"]
        constraints = [models.UniqueConstraint(fields=["project", "event_id"], name="event_id_per_project")]
        indexes = [
            models.Index(fields=["issue", "-timestamp"], name="event_list_by_issue"),
            models.Index(fields=["project", "-timestamp"], name="event_list_by_project"),
            # The Sentry collector's /errors: webhook events, newest received first.
            models.Index(fields=["source", "-received_at"], name="event_list_by_source_received"),
            models.Index(fields=["received_at"], name="event_retention"),
            models.Index(fields=["id"], condition=models.Q(digested=False), name="event_digest_queue"),
        ]

    def __str__(self):
        return self.event_id


class IssueBucket(models.Model):
    """Events per issue per ERRORHUB_BUCKET_SECONDS: the time series behind datapoints and sparklines."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="buckets")
    start = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["issue_id", "start"]
        constraints = [models.UniqueConstraint(fields=["issue", "start"], name="one_bucket_per_issue_and_start")]

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
        ASSIGNED_GROUP = "assigned_group"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "issue activities"
        indexes = [models.Index(fields=["issue", "-created_at"], name="activity_list_by_issue")]

    def __str__(self):
        return f"{self.kind} {self.issue_id}"
