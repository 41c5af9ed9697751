from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.urls import reverse

from alerts import selectors, services
from alerts.models import CrashedTask, FiveXXTask, MemoryTask, ReleasedTask
from issues.templatetags.console import DASHBOARD_PANELS


@admin.action(description="Sync now with Kapacitor", permissions=["sync"])
def sync_now(modeladmin, request, queryset):
    done, failed = services.sync_now(queryset)
    if done:
        modeladmin.message_user(request, f"{done} alert task(s) synced with Kapacitor.", messages.SUCCESS)
    if failed:
        modeladmin.message_user(
            request, f"{failed} alert task(s) could not be synced; see their sync error.", messages.ERROR
        )


class AlertTaskAdmin(admin.ModelAdmin):
    list_display = ("task_id", "app", "slack", "email", "post", "sync_status", "synced_at", "sync_error", "removed_at")
    list_filter = ("sync_status",)
    search_fields = ("app",)
    actions = [sync_now]
    # Read-only: changes go through the API (validation, escaping, queued sync); the admin
    # shows each task's sync state and can sync it at once.

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_sync_permission(self, request):
        return selectors.can_manage_alert_tasks(request.user, self.model.kind)

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(FiveXXTask, AlertTaskAdmin)
admin.site.register(CrashedTask, AlertTaskAdmin)
admin.site.register(ReleasedTask, AlertTaskAdmin)


@admin.register(MemoryTask)
class MemoryTaskAdmin(AlertTaskAdmin):
    list_display = ("task_id", "app", "dynotype", "warn", "crit", "window", "every", "sync_status", "synced_at",
                    "sync_error", "removed_at")  # fmt: skip


def failed_syncs_panel(request):
    """The dashboard's panel of alert tasks whose Kapacitor sync failed."""
    tasks = [
        (task, reverse(f"admin:{task._meta.app_label}_{task._meta.model_name}_change", args=[quote(task.pk)]))
        for task in selectors.failed_syncs(request.user)
    ]
    return {"template": "admin/console/failed_syncs.html", "tasks": tasks}


DASHBOARD_PANELS.append(failed_syncs_panel)
