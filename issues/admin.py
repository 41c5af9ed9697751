from django.contrib import admin

from issues import lifecycle
from issues.models import Event, EventGroup, Issue, IssueActivity, IssueBucket


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows the pipeline and issues.services write; editing them here would skip their rules
    (counters, audit trail), so the admin shows them and acts only through actions."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EventGroup)
class EventGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "created_at"]
    list_filter = ["project"]
    search_fields = ["name", "info"]


class IssueActivityInline(admin.TabularInline):
    model = IssueActivity
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "user", "detail", "created_at"]


def _status_action(status, label):
    def action(modeladmin, request, queryset):
        changed = lifecycle.set_status(list(queryset), status, user=request.user)
        modeladmin.message_user(request, f"{changed} issue(s) marked {status}.")

    action.__name__ = f"mark_{status}"
    return admin.action(description=label)(action)


@admin.register(Issue)
class IssueAdmin(ViewOnlyAdmin):
    list_display = ["title", "project", "source", "level", "status", "event_count", "first_seen", "last_seen"]
    list_filter = ["status", "source", "level", "project"]
    search_fields = ["title", "culprit", "fingerprint"]
    date_hierarchy = "last_seen"
    list_select_related = ["project"]
    inlines = [IssueActivityInline]
    actions = [
        _status_action("resolved", "Resolve selected issues"),
        _status_action("ignored", "Ignore selected issues"),
        _status_action("unresolved", "Reopen selected issues"),
    ]


@admin.register(Event)
class EventAdmin(ViewOnlyAdmin):
    list_display = ["event_id", "project", "issue", "source", "kind", "level", "timestamp", "digested"]
    list_filter = ["source", "kind", "level", "digested", "project"]
    search_fields = ["event_id", "message", "exception_type", "fingerprint"]
    date_hierarchy = "timestamp"
    list_select_related = ["project", "issue"]
    raw_id_fields = ["issue"]


@admin.register(IssueBucket)
class IssueBucketAdmin(ViewOnlyAdmin):
    list_display = ["issue", "start", "count"]
    raw_id_fields = ["issue"]


@admin.register(IssueActivity)
class IssueActivityAdmin(ViewOnlyAdmin):
    list_display = ["issue", "kind", "user", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["issue"]
