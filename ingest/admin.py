from django.contrib import admin
from django.utils.timesince import timesince

from ingest.models import PeriskopCounter, QueuedEvent


@admin.register(PeriskopCounter)
class PeriskopCounterAdmin(admin.ModelAdmin):
    """Read-only: the counters are the base of the next push's delta, edited only by pushes."""

    list_display = ["project", "aggregation_key", "target_uuid", "last_total_count", "updated_at"]
    list_filter = ["project"]
    search_fields = ["aggregation_key", "target_uuid"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(QueuedEvent)
class QueuedEventAdmin(admin.ModelAdmin):
    """The digest's backlog, oldest first: during a burst or a stopped worker, how many accepted
    events wait and since when. Read-only, and nothing is deleted by hand (accepted events are
    never dropped); the payload is never shown, since the digest has not scrubbed it yet."""

    list_display = ["event_id", "project", "source", "received_at", "waiting"]
    list_filter = ["project"]
    list_select_related = ["project"]
    # Arrival order, on the primary key.
    ordering = ["id"]
    fields = readonly_fields = ["project", "source", "event_id", "received_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("payload")

    @admin.display(description="waiting for")
    def waiting(self, queued):
        return timesince(queued.received_at)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
