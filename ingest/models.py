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
