from rest_framework import serializers

from accounts.models import PROJECT_TYPES, Project


class ProjectSerializer(serializers.ModelSerializer):
    platform = serializers.ChoiceField(choices=PROJECT_TYPES, default="other")
    dsn = serializers.SerializerMethodField()
    members = serializers.SlugRelatedField(many=True, read_only=True, slug_field="email")

    class Meta:
        model = Project
        fields = ["id", "name", "slug", "platform", "app_key", "dsn", "members", "created_at"]
        read_only_fields = ["slug", "app_key", "created_at"]

    def get_dsn(self, project) -> str:
        """The Sentry DSN for SDKs: public key @ this host / project id."""
        request = self.context.get("request")
        host = request.get_host() if request else "localhost"
        scheme = request.scheme if request else "http"
        return f"{scheme}://{project.sentry_key}@{host}/{project.id}"
