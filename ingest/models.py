from django.db import models
from django.utils import timezone

from accounts.models import Project


class PeriskopCounter(models.Model):
    """The last total_count a Periskop collector pushed for a key: the base of the next delta.

    A collector's target_uuid changes when its process restarts, so a restart starts a new
    counter instead of looking like a reset.
    """

    # Served by one_periskop_counter_per_target_key (project, target_uuid, aggregation_key).
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="periskop_counters", db_index=False)
    target_uuid = models.CharField(max_length=100)
    # The aggregation key as its issue's fingerprint (hashed when longer than 255 characters).
    aggregation_key = models.CharField(max_length=255)
    last_total_count = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "target_uuid", "aggregation_key"], name="one_periskop_counter_per_target_key"
            )
        ]

    def __str__(self):
        return f"{self.target_uuid} {self.aggregation_key}: {self.last_total_count}"


class QueuedEvent(models.Model):
    """An event as its client sent it: accepted, durable, and waiting for the digest.

    The accept path's one write (docs/architecture.md, "Ingest path"): the request checks the
    framing and the JSON, stores the bytes and answers; the digest normalizes, scrubs and
    groups them into an Event, in the transaction that deletes this row. One row per event id
    and project, so a client's retry before the digest is stored once.
    """

    # Served by one_queued_event_per_event_id (project, event_id).
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="queued_events", db_index=False)
    # The wire format the digest reads the payload with (issues.models.Source).
    source = models.CharField(max_length=20)
    event_id = models.CharField(max_length=200)
    received_at = models.DateTimeField()
    payload = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "event_id"], name="one_queued_event_per_event_id")]

    def __str__(self):
        return self.event_id
