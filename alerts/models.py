"""Kapacitor alert tasks, in the original's tables and columns, plus their sync state.

The database is the source of truth; Celery keeps Kapacitor in step (alerts.tasks). The
natural keys of the original (app, or the memory task id) are the primary keys, since its
tables had none.
"""

from django.db import models
from django.db.models import Q

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
