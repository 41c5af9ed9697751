from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html

from accounts import quotas
from accounts.models import ApiToken, Environment, Membership, Project, SessionToken, User
from accounts.selectors import visible_projects
from accounts.serializers import QUOTA_FIELDS, base_url, client_settings


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Users, groups and permissions: a staff user who could edit them could make himself a
    superuser, so only superusers see or change them."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)


class ProjectScopedAdmin(admin.ModelAdmin):
    """Tenancy: staff see and act only on rows of projects they are members of, in lists and
    by URL (another project's row is a 404); superusers see everything."""

    # The lookup from a row to its project ("" for a Project itself).
    project_field = "project"

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        lookup = f"{self.project_field}__in" if self.project_field else "pk__in"
        return rows.filter(**{lookup: visible_projects(request.user)})

    def get_object(self, request, object_id, from_field=None):
        found = super().get_object(request, object_id, from_field)
        if found is None:
            raise Http404(f"No {self.opts.verbose_name} {object_id} in your projects.")
        return found

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Project:
            kwargs["queryset"] = visible_projects(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(SuperuserOnlyAdmin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_staff", "is_superuser", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SuperuserOnlyAdmin, DjangoGroupAdmin):
    pass


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1

    def get_autocomplete_fields(self, request):
        # The user search is the user admin's, which only superusers may open.
        return ["user"] if request.user.is_superuser else []


@admin.register(Project)
class ProjectAdmin(ProjectScopedAdmin):
    project_field = ""
    list_display = [
        "name",
        "slug",
        "platform",
        "app_key",
        "keyless_ingest",
        "created_by_ingest",
        "rejected",
        "issues_link",
        "created_at",
    ]
    list_filter = ["platform", "keyless_ingest", "created_by_ingest"]
    search_fields = ["name", "slug", "app_key"]
    readonly_fields = ["sentry_key", "periskop_target_uuid", "created_by_ingest", "created_at", "rejected"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name", "slug", "platform", "app_key", "keyless_ingest", "sentry_key", "periskop_target_uuid",
                    "created_by_ingest", "created_at",
                ]
            },
        ),
        ("Quotas", {"fields": ["events_per_minute", "events_per_hour", "rejected"]}),
    ]  # fmt: skip
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        # As in the API: only superusers set quotas (accounts.serializers.ProjectSerializer.validate).
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else [*fields, *QUOTA_FIELDS]

    @admin.display(description="events rejected over quota")
    def rejected(self, project):
        return quotas.rejected_events(project)

    @admin.display(description="issues")
    def issues_link(self, project):
        return format_html('<a href="{}">issues</a>', _issues_url(project))

    def has_add_permission(self, request):
        # A staff user's new project would have no members and vanish from his own lists.
        return request.user.is_superuser

    def change_view(self, request, object_id, form_url="", extra_context=None):
        project = self.get_object(request, unquote(object_id))
        context = {"client_settings": client_settings(project, base_url(request)), "issues_url": _issues_url(project)}
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})


def _issues_url(project):
    return f"{reverse('admin:issues_issue_changelist')}?project={project.pk}"


@admin.register(Environment)
class EnvironmentAdmin(ProjectScopedAdmin):
    list_display = ["name", "project", "created_at"]
    list_filter = [("project", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name"]
    list_select_related = ["project"]


@admin.register(SessionToken)
class SessionTokenAdmin(SuperuserOnlyAdmin):
    """Tokens can be revoked here; their value is never shown (only a hash is stored)."""

    list_display = ["user", "created_at", "expires_at"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "key_hash", "created_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(SuperuserOnlyAdmin):
    """API tokens are created by their user through the API (the token is shown only then);
    here superusers see and revoke (delete) them."""

    list_display = ["name", "user", "scopes", "project", "created_at", "expires_at", "last_used_at"]
    list_filter = ["can_write"]
    list_select_related = ["user", "project"]
    search_fields = ["name", "user__email"]
    fields = ["name", "user", "can_write", "project", "created_at", "expires_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
