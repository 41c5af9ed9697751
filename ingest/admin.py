from django.contrib import admin

from ingest.models import PeriskopCounter


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
