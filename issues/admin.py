from django import forms
from django.contrib import admin

from issues import lifecycle, services
from issues.models import DEFAULT_GROUP_NAME, Event, EventGroup, Issue, IssueActivity, IssueBucket


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows the pipeline and issues.services write; editing them here would skip their rules
    (counters, audit trail), so the admin shows them and acts only through actions."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventGroupForm(forms.ModelForm):
    class Meta:
        model = EventGroup
        fields = ["project", "name", "info"]

    def clean(self):
        cleaned = super().clean()
        project = cleaned.get("project") or getattr(self.instance, "project", None)
        if project is not None and cleaned.get("name"):
            try:
                services.check_group_name(
                    project=project, name=cleaned["name"], group=self.instance.pk and self.instance
                )
            except services.GroupRefused as exc:
                self.add_error("name", str(exc))
        return cleaned


@admin.register(EventGroup)
class EventGroupAdmin(admin.ModelAdmin):
    """Groups through issues.services: names checked, deletes move issues to the default group."""

    form = EventGroupForm
    list_display = ["name", "project", "created_at"]
    list_filter = ["project"]
    search_fields = ["name", "info"]

    def get_readonly_fields(self, request, obj=None):
        # A group never moves to another project (its issues stay in theirs).
        return ["project"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.name == DEFAULT_GROUP_NAME:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.delete_group(obj)

    def delete_queryset(self, request, queryset):
        for group in queryset:
            services.delete_group(group)


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


class DigestStateFilter(admin.SimpleListFilter):
    """Waiting for the digest, digested, or set aside by it (with a digest_error to read)."""

    title = "digest"
    parameter_name = "digest"

    def lookups(self, request, model_admin):
        return [("waiting", "waiting"), ("digested", "digested"), ("set_aside", "set aside")]

    def queryset(self, request, queryset):
        states = {
            "waiting": {"digested": False, "digest_error": ""},
            "digested": {"digested": True},
            "set_aside": {"digested": False, "digest_error__gt": ""},
        }
        return queryset.filter(**states[self.value()]) if self.value() in states else queryset


@admin.register(Event)
class EventAdmin(ViewOnlyAdmin):
    list_display = ["event_id", "project", "issue", "source", "kind", "level", "timestamp", "digested"]
    list_filter = ["source", "kind", "level", DigestStateFilter, "project"]
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
