from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.selectors import visible_projects
from alerts import rules, selectors, services
from alerts.models import (
    AlertDelivery,
    AlertRule,
    AlertTarget,
    CrashedTask,
    DeliveryStatus,
    FiveXXTask,
    MemoryTask,
    ReleasedTask,
)
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
    list_display = ("task_id", "app", "project", "slack", "email", "post", "sync_status", "synced_at", "sync_error",
                    "removed_at")  # fmt: skip
    list_filter = ("sync_status", "project")
    search_fields = ("app",)
    actions = [sync_now]
    # Changes go through the API (validation, escaping, queued sync); the admin shows each
    # task's sync state, can sync it at once, and links it to a project (Kapacitor never sees that).

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return selectors.can_manage_alert_tasks(request.user, self.model.kind)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields if field.name != "project"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = visible_projects(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.link_alert_task(obj, obj.project)

    def has_sync_permission(self, request):
        return selectors.can_manage_alert_tasks(request.user, self.model.kind)

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(FiveXXTask, AlertTaskAdmin)
admin.site.register(CrashedTask, AlertTaskAdmin)
admin.site.register(ReleasedTask, AlertTaskAdmin)


@admin.register(MemoryTask)
class MemoryTaskAdmin(AlertTaskAdmin):
    list_display = ("task_id", "app", "project", "dynotype", "warn", "crit", "window", "every", "sync_status",
                    "synced_at", "sync_error", "removed_at")  # fmt: skip


# Issue alert rules. Written through the API (validation, address checks, the secret shown
# once); the admin shows them, their targets' health and deliveries, and sends test notifications.


class AlertTargetInline(admin.TabularInline):
    model = AlertTarget
    extra = 0
    can_delete = False
    fields = readonly_fields = ["kind", "destination", "failing", "last_error", "last_failure_at", "last_success_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description="Send a test notification to every target")
def send_test_notification(modeladmin, request, queryset):
    for rule in queryset:
        deliveries = rules.send_test_notification(rule)
        failed = [d for d in deliveries if d.status != DeliveryStatus.SENT]
        level = messages.ERROR if failed else messages.SUCCESS
        errors = "; ".join(f"{d.target_kind} {d.target_destination}: {d.last_error}" for d in failed)
        sent = len(deliveries) - len(failed)
        modeladmin.message_user(request, f"{rule.name}: {sent} of {len(deliveries)} sent. {errors}".strip(), level)


class TenantAdmin(admin.ModelAdmin):
    """Only the rules (and deliveries) of projects the staff user is a member of."""

    project_path = "project"

    def get_queryset(self, request):
        projects = visible_projects(request.user)
        return super().get_queryset(request).filter(**{f"{self.project_path}__in": projects})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AlertRule)
class AlertRuleAdmin(TenantAdmin):
    list_display = ["name", "alerts_page", "trigger_summary", "filter_summary", "cooldown_minutes", "target_health"]
    list_filter = ["targets__failing", "project"]
    search_fields = ["name", "project__name"]
    list_select_related = ["project"]
    readonly_fields = ["project", "name", "trigger_summary", "filter_summary", "cooldown_minutes", "created_by",
                       "created_at", "updated_at"]  # fmt: skip
    fields = readonly_fields
    inlines = [AlertTargetInline]
    actions = [send_test_notification]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("targets")

    @admin.display(description="project")
    def alerts_page(self, rule):
        url = reverse("admin:alerts_project_alerts", args=[rule.project_id])
        return format_html('<a href="{}">{}</a>', url, rule.project.name)

    @admin.display(description="targets")
    def target_health(self, rule):
        targets = list(rule.targets.all())
        failing = [t for t in targets if t.failing]
        return f"{len(targets)} ({len(failing)} failing)" if failing else str(len(targets))

    def get_urls(self):
        page = path(
            "project/<int:project_id>/",
            self.admin_site.admin_view(self.project_alerts_view),
            name="alerts_project_alerts",
        )
        return [page, *super().get_urls()]

    def project_alerts_view(self, request, project_id):
        """One page with every alert of a project: issue alert rules, deliveries, Kapacitor tasks."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        project = get_object_or_404(visible_projects(request.user), pk=project_id)
        alert_rules, tasks = selectors.project_alerts(project)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Alerts of {project.name}",
            "project": project,
            "rules": alert_rules,
            "deliveries": selectors.recent_deliveries(project),
            "tasks": tasks,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/alerts/project_alerts.html", context)


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(TenantAdmin):
    project_path = "rule__project"
    list_display = ["created_at", "rule", "trigger", "target_kind", "target_destination", "status", "attempts",
                    "last_error"]  # fmt: skip
    list_filter = ["status", "trigger", "target_kind"]
    list_select_related = ["rule"]
    search_fields = ["rule__name", "target_destination", "last_error"]
    date_hierarchy = "created_at"


def failed_syncs_panel(request):
    """The dashboard's panel of alert tasks whose Kapacitor sync failed."""
    tasks = [
        (task, reverse(f"admin:{task._meta.app_label}_{task._meta.model_name}_change", args=[quote(task.pk)]))
        for task in selectors.failed_syncs(request.user)
    ]
    return {"template": "admin/console/failed_syncs.html", "tasks": tasks}


DASHBOARD_PANELS.append(failed_syncs_panel)
