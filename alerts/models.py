"""Every alert a team has: Kapacitor alert tasks (infrastructure) and issue alert rules.

Kapacitor alert tasks keep the original's tables and columns, plus their sync state. The
database is the source of truth; Celery keeps Kapacitor in step (alerts.tasks). The natural
keys of the original (app, or the memory task id) are the primary keys, since its tables
had none.

Issue alert rules are errorhub's own: they watch a project's issue lifecycle and send email,
Slack and webhook messages (alerts.rules). Both live here because they notify the same three
kinds of target and a project's alerts page shows them side by side.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from alerts import tickscript


class SyncStatus(models.TextChoices):
    PENDING = "pending", "pending"
    SYNCED = "synced", "synced"
    FAILED = "failed", "failed"


class LiveTasks(models.Manager):
    """Tasks that exist for the API: not deleted and waiting for removal from Kapacitor."""

    def get_queryset(self):
        return super().get_queryset().filter(removed_at__isnull=True)


class AlertTask(models.Model):
    # Which project's alerts page shows the task (its `app` is that project's deployment).
    project = models.ForeignKey("accounts.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    slack = models.TextField(blank=True, default="")
    post = models.TextField(blank=True, default="")
    email = models.TextField(blank=True, default="", help_text="Comma-separated addresses")
    sync_status = models.CharField(max_length=10, choices=SyncStatus.choices, default=SyncStatus.PENDING)
    sync_error = models.TextField(blank=True, default="", help_text="Last error from Kapacitor")
    sync_attempts = models.PositiveIntegerField(default=0, help_text="Failed attempts since the last change")
    synced_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change, so a slow sync of an older version never marks a newer one synced.
    revision = models.PositiveIntegerField(default=1)
    # Deleted through the API; the row stays until the Kapacitor task is gone, so an outage
    # never leaves an orphan.
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = models.Manager()
    live = LiveTasks()

    kind = ""
    config_fields = ("app", "slack", "post", "email")

    class Meta:
        abstract = True

    def __str__(self):
        return self.task_id

    @property
    def task_id(self):
        return tickscript.task_id(self.kind, self.app, getattr(self, "dynotype", ""))

    def config(self):
        return {field: getattr(self, field) for field in self.config_fields}


def notify_present(table):
    # The original's CHECK (at least one of slack, post, email); empty strings count as absent here.
    return models.CheckConstraint(condition=~Q(slack="", post="", email=""), name=f"{table}_notify_present")


class FiveXXTask(AlertTask):
    app = models.TextField(primary_key=True)
    tolerance = models.TextField()

    kind = "5xx"
    config_fields = ("app", "tolerance", "slack", "post", "email")

    class Meta:
        db_table = "_5xx_tasks"
        ordering = ["app"]
        verbose_name = "5xx alert task"
        constraints = [notify_present("_5xx_tasks")]


class CrashedTask(AlertTask):
    app = models.TextField(primary_key=True)

    kind = "crashed"

    class Meta:
        db_table = "crashed_tasks"
        ordering = ["app"]
        verbose_name = "crash alert task"
        constraints = [notify_present("crashed_tasks")]


class ReleasedTask(AlertTask):
    app = models.TextField(primary_key=True)

    kind = "release"

    class Meta:
        db_table = "released_tasks"
        ordering = ["app"]
        verbose_name = "release alert task"
        constraints = [notify_present("released_tasks")]


class MemoryTask(AlertTask):
    id = models.TextField(primary_key=True, help_text="The Kapacitor task id")
    app = models.TextField()
    dynotype = models.TextField(help_text="web, all, or a dyno name substring")
    crit = models.TextField(help_text="MB")
    warn = models.TextField(help_text="MB")
    window = models.TextField(db_column="wind")
    every = models.TextField()

    kind = "memory"
    config_fields = ("id", "app", "dynotype", "crit", "warn", "window", "every", "slack", "post", "email")

    class Meta:
        db_table = "memory_tasks"
        ordering = ["app", "id"]
        verbose_name = "memory alert task"
        constraints = [notify_present("memory_tasks")]
        indexes = [models.Index(fields=["app", "dynotype"], name="memory_task_by_app_dyno")]


MODELS = {model.kind: model for model in (FiveXXTask, CrashedTask, MemoryTask, ReleasedTask)}


# Issue alert rules: what errorhub itself tells people about issues (alerts.rules sends them).


class Trigger(models.TextChoices):
    NEW_ISSUE = "new_issue", "new issue"
    REGRESSION = "regression", "regression"
    ESCALATING = "escalating", "escalating"
    SPIKE = "spike", "spike"
    TEST = "test", "test"


class AlertRule(models.Model):
    """When to tell people about a project's issues, and where (its AlertTargets)."""

    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="alert_rules")
    name = models.CharField(max_length=200)
    on_new_issue = models.BooleanField(default=False)
    on_regression = models.BooleanField(default=False)
    on_escalating = models.BooleanField(default=False)
    # A spike: at least spike_count events of one issue within spike_minutes (both unset: no spike trigger).
    spike_count = models.PositiveIntegerField(null=True, blank=True)
    spike_minutes = models.PositiveIntegerField(null=True, blank=True)
    environment = models.CharField(max_length=100, blank=True, default="", help_text="Only this environment")
    min_level = models.CharField(max_length=10, blank=True, default="", help_text="Only issues at this level or above")
    source = models.CharField(max_length=20, blank=True, default="", help_text="Only issues from this source")
    cooldown_minutes = models.PositiveIntegerField(default=30, help_text="One issue alerts at most once per cooldown")
    # Signs webhook bodies (X-Errorhub-Signature); shown once, when the rule is created.
    secret = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project_id", "name", "id"]
        indexes = [models.Index(fields=["project"], name="alert_rules_of_project")]
        constraints = [
            models.CheckConstraint(
                condition=Q(spike_count__isnull=True, spike_minutes__isnull=True)
                | Q(spike_count__gte=1, spike_minutes__gte=1),
                name="alert_rule_spike_complete",
            ),
            models.CheckConstraint(
                condition=Q(on_new_issue=True)
                | Q(on_regression=True)
                | Q(on_escalating=True)
                | Q(spike_count__isnull=False),
                name="alert_rule_has_trigger",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def triggers(self):
        """As the API gives them: names, and the spike trigger with its numbers."""
        flags = ((Trigger.NEW_ISSUE, self.on_new_issue), (Trigger.REGRESSION, self.on_regression),
                 (Trigger.ESCALATING, self.on_escalating))  # fmt: skip
        triggers = [trigger.value for trigger, on in flags if on]
        if self.spike_count is not None:
            triggers.append({"kind": Trigger.SPIKE.value, "count": self.spike_count, "minutes": self.spike_minutes})
        return triggers

    def trigger_summary(self):
        names = [trigger for trigger in self.triggers if isinstance(trigger, str)]
        if self.spike_count is not None:
            names.append(f"spike ({self.spike_count} events in {self.spike_minutes} min)")
        return ", ".join(names)

    def filter_summary(self):
        filters = (("environment", self.environment), ("level ≥", self.min_level), ("source", self.source))
        return ", ".join(f"{name} {value}" for name, value in filters if value)


class TargetKind(models.TextChoices):
    EMAIL = "email", "email"
    SLACK = "slack", "Slack"
    WEBHOOK = "webhook", "webhook"


class AlertTarget(models.Model):
    """One place a rule's messages go, and whether it has been taking them."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=TargetKind.choices)
    # email: {"to": [...]}; slack: {"url", "channel"}; webhook: {"url"}
    config = models.JSONField(default=dict)
    failing = models.BooleanField(default=False, help_text="The last delivery failed every attempt")
    last_error = models.TextField(blank=True, default="")
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rule_id", "position", "id"]
        indexes = [models.Index(fields=["failing"], condition=Q(failing=True), name="failing_alert_targets")]

    def __str__(self):
        return f"{self.kind} {self.destination}"

    @property
    def destination(self):
        """Where it goes, fit to show: addresses, or the URL's host (Slack URLs are secrets)."""
        if self.kind == TargetKind.EMAIL:
            return ", ".join(self.config.get("to", []))
        host = urlsplit(self.config.get("url", "")).hostname or ""
        channel = self.config.get("channel")
        return f"{host} {channel}" if channel else host

    def description(self):
        """The target as the API shows it; a Slack URL's path is its secret and stays hidden."""
        shown = dict(self.config)
        if self.kind == TargetKind.SLACK:
            shown["url"] = redacted_url(shown.get("url", ""))
        return {"kind": self.kind, **shown}


def redacted_url(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.path not in ("", "/") else url


class AlertedIssue(models.Model):
    """An issue a rule has alerted about: when (its cooldown), and whether it still waits in
    the rule's burst window to go out with the other new issues of that minute."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerted_issues")
    issue = models.ForeignKey("issues.Issue", on_delete=models.CASCADE, related_name="+")
    alerted_at = models.DateTimeField()
    waiting_for_burst = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "issue"], name="one_cooldown_per_rule_and_issue")]
        indexes = [
            models.Index(fields=["rule"], condition=Q(waiting_for_burst=True), name="alert_burst_waiting"),
        ]

    def __str__(self):
        return f"rule {self.rule_id} issue {self.issue_id} at {self.alerted_at:%Y-%m-%d %H:%M}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending"
    SENT = "sent", "sent"
    FAILED = "failed", "failed"


class AlertDelivery(models.Model):
    """One message of a rule to one target, with every attempt's outcome."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="deliveries")
    target = models.ForeignKey(AlertTarget, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The target as it was, for the record once the rule's targets change.
    target_kind = models.CharField(max_length=10, choices=TargetKind.choices)
    target_destination = models.TextField(blank=True, default="")
    trigger = models.CharField(max_length=12, choices=Trigger.choices)
    # A digest of a burst names all its issues; `issue` is the one issue of a single message.
    issue = models.ForeignKey("issues.Issue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    issue_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_response = models.TextField(blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "alert deliveries"
        indexes = [
            models.Index(fields=["rule", "-created_at"], name="alert_deliveries_of_rule"),
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="alert_deliveries_pending"),
        ]

    def __str__(self):
        return f"{self.trigger} to {self.target_kind} {self.target_destination}: {self.status}"
