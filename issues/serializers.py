from rest_framework import serializers

from accounts.selectors import visible_projects
from issues import services
from issues.models import Event, EventGroup, Issue


class IssueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Issue
        fields = [
            "id", "project", "fingerprint", "title", "culprit", "level", "source", "error_type", "status",
            "first_seen", "last_seen", "event_count", "group", "platform_distribution", "first_release",
            "last_release", "resolved_at",
        ]  # fmt: skip
        read_only_fields = [f for f in fields if f not in ("status", "group")]
        # Every issue has a group (its project's default one at first); "no group" is not a state.
        extra_kwargs = {"group": {"allow_null": False}}

    def get_fields(self):
        fields = super().get_fields()
        # Only the issue's own project's groups exist for this field (no probing other tenants' ids).
        project_id = getattr(self.instance, "project_id", None)
        fields["group"].queryset = EventGroup.objects.filter(project_id=project_id)
        return fields


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = [
            "id", "event_id", "project", "issue", "source", "kind", "timestamp", "received_at", "level", "platform",
            "message", "exception_type", "exception_value", "frames", "user", "environment", "release", "tags",
            "fingerprint", "count", "data", "raw",
        ]  # fmt: skip
        read_only_fields = fields


class EventGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = EventGroup
        fields = ["id", "project", "name", "info", "created_at"]
        read_only_fields = ["created_at"]
        # validate() names the clashing field; DRF's generic unique-together message would not.
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        # Only the user's projects exist for this field; a group never moves to another project.
        fields["project"].queryset = visible_projects(self.context["request"].user)
        fields["project"].read_only = self.instance is not None
        return fields

    def validate(self, attrs):
        project = attrs.get("project", getattr(self.instance, "project", None))
        name = attrs.get("name", getattr(self.instance, "name", None))
        try:
            services.check_group_name(project=project, name=name, group=self.instance)
        except services.GroupRefused as exc:
            raise serializers.ValidationError({"name": str(exc)}) from None
        return attrs
