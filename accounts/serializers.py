from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from accounts import quotas
from accounts.models import PLATFORMS, ApiToken, Project
from accounts.selectors import visible_projects

QUOTA_FIELDS = ("events_per_minute", "events_per_hour")


def base_url(request):
    """ERRORHUB_BASE_URL, else the scheme and host the request came to."""
    if settings.ERRORHUB_BASE_URL:
        return settings.ERRORHUB_BASE_URL
    return f"{request.scheme}://{request.get_host()}" if request else "http://localhost"


def client_settings(project, base):
    """Per client, the exact setting to paste (README, "Pointing existing clients at errorhub")."""
    keyed = f"{base}/k/{project.app_key}"
    base_parts = urlsplit(base)
    dsn = base_parts._replace(netloc=f"{project.sentry_key}@{base_parts.netloc}").geturl()
    return {
        "sentry": {"dsn": f"{dsn}/{project.id}"},
        "healthguard": {"endpoint": f"{base}/api/events/batch", "appKey": project.app_key},
        # periskop-client appends /errors to the address it is given.
        "periskop": {"push_address": keyed, "export_url": f"{keyed}/-/errors"},
        "eventsum": {"capture_url": f"{keyed}/capture"},
        "sentry_webhook": {"url": f"{keyed}/sentry/webhook"},
        "glitchtip_webhook": {"url": f"{keyed}/glitchtip/webhook"},
    }


class ProjectSerializer(serializers.ModelSerializer):
    platform = serializers.ChoiceField(choices=PLATFORMS, default="other")
    dsn = serializers.SerializerMethodField()
    client_settings = serializers.SerializerMethodField()
    members = serializers.SlugRelatedField(many=True, read_only=True, slug_field="email")
    rejected_events = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id", "name", "slug", "platform", "app_key", "keyless_ingest", "created_by_ingest", "dsn",
            "client_settings", "members", "created_at", *QUOTA_FIELDS, "rejected_events",
        ]  # fmt: skip
        read_only_fields = ["slug", "app_key", "created_by_ingest", "created_at"]

    def validate(self, attrs):
        # Members may not lift the limits an administrator set to protect the installation.
        request = self.context.get("request")
        changed = [name for name in QUOTA_FIELDS if name in attrs]
        if changed and not (request and request.user.is_superuser):
            raise PermissionDenied(f"Only an administrator may set {', '.join(changed)}.")
        return attrs

    def get_rejected_events(self, project) -> int:
        """Events refused over quota (429), all time."""
        return quotas.rejected_events(project)

    def get_dsn(self, project) -> str:
        """The Sentry DSN for SDKs: public key @ this host / project id."""
        return self._client_settings(project)["sentry"]["dsn"]

    @extend_schema_field(
        {
            "type": "object",
            "description": "Per client (sentry, healthguard, periskop, eventsum, sentry_webhook, "
            "glitchtip_webhook), the settings to paste into it.",
            "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}},
        }
    )
    def get_client_settings(self, project):
        return self._client_settings(project)

    def _client_settings(self, project):
        return client_settings(project, base_url(self.context.get("request")))


class ApiTokenSerializer(serializers.ModelSerializer):
    """An API token as listed: never its secret (only a hash is stored)."""

    scopes = serializers.ListField(child=serializers.ChoiceField(choices=["read", "write"]), min_length=1)
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.none(), allow_null=True, required=False)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "scopes", "project", "created_at", "expires_at", "last_used_at"]
        read_only_fields = ["created_at", "last_used_at"]

    def get_fields(self):
        fields = super().get_fields()
        # Only the user's own projects can be named (no probing other tenants' ids).
        fields["project"].queryset = visible_projects(self.context["request"].user)
        return fields

    def validate_scopes(self, scopes):
        if "read" not in scopes:
            raise serializers.ValidationError('Scopes are ["read"] or ["read", "write"].')
        return scopes

    def validate_expires_at(self, expires_at):
        if expires_at is not None and expires_at <= timezone.now():
            raise serializers.ValidationError("expires_at must be in the future.")
        return expires_at


class NewApiTokenSerializer(ApiTokenSerializer):
    """The answer to a create: the only time the token itself is shown."""

    token = serializers.CharField(read_only=True)

    class Meta(ApiTokenSerializer.Meta):
        fields = ["id", "name", "token", "scopes", "project", "created_at", "expires_at"]
