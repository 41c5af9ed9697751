from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts import quotas
from accounts.models import ApiToken, Environment, Membership, Project, SessionToken, User
from accounts.serializers import QUOTA_FIELDS


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "platform",
        "app_key",
        "keyless_ingest",
        "created_by_ingest",
        "rejected",
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


@admin.register(Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "created_at"]
    list_filter = ["project"]
    search_fields = ["name"]


@admin.register(SessionToken)
class SessionTokenAdmin(admin.ModelAdmin):
    """Tokens can be revoked here; their value is never shown (only a hash is stored)."""

    list_display = ["user", "created_at", "expires_at"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "key_hash", "created_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens are created by their user through the API (the token is shown only then);
    here they are seen and revoked (deleted)."""

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
