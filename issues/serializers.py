from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.selectors import visible_projects
from issues import lifecycle, services
from issues.models import Event, EventGroup, Issue, IssueComment


@extend_schema_field(
    {"type": "object", "nullable": True, "properties": {"id": {"type": "integer"}, "email": {"type": "string"}}}
)
class PersonField(serializers.Field):
    """Who did it, as {"id", "email"}; null for errorhub itself."""

    def to_representation(self, user):
        return {"id": user.pk, "email": user.email}


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string", "format": "email"}],
        "nullable": True,
        "description": "a member of the issue's project, by id or email, in; {id, email} out; null unassigns",
    }
)
class AssigneeField(PersonField):
    """A person by id or email in; {"id", "email"} out (the issue's project membership is checked on save)."""

    default_error_messages = {"unknown": "No user with this id or email."}

    def to_internal_value(self, data):
        users = get_user_model().objects
        if isinstance(data, int) and not isinstance(data, bool):
            found = users.filter(pk=data).first()
        elif isinstance(data, str) and data.strip():
            found = users.filter(email__iexact=data.strip()).first()
        else:
            found = None
        if found is None:
            self.fail("unknown")
        return found


def check_status_details(status, details):
    """The details STATUS_DETAILS allows for a status, each of its type; raises naming the key."""
    allowed = lifecycle.STATUS_DETAILS[status]
    for key, value in details.items():
        kind = allowed.get(key)
        if kind is None:
            names = ", ".join(allowed) or "none"
            raise serializers.ValidationError({"status_details": f"{key!r} is not a detail of {status} ({names})."})
        if not isinstance(value, kind) or (kind is int and (isinstance(value, bool) or value < 1)):
            wanted = {bool: "true or false", str: "a release version", int: "a whole number of at least 1"}[kind]
            raise serializers.ValidationError({"status_details": f"{key!r} must be {wanted}."})


class IssueSerializer(serializers.ModelSerializer):
    substatus = serializers.SerializerMethodField()
    status_details = serializers.DictField(required=False)
    assignee = AssigneeField(required=False, allow_null=True)

    class Meta:
        model = Issue
        fields = [
            "id", "project", "fingerprint", "title", "culprit", "level", "source", "error_type", "status",
            "substatus", "status_details", "ignore_until", "assignee", "first_seen", "last_seen", "event_count",
            "users_affected", "priority", "group", "platform_distribution", "first_release", "last_release",
            "resolved_at",
        ]  # fmt: skip
        read_only_fields = [f for f in fields if f not in ("status", "status_details", "assignee", "group")]
        # Every issue has a group (its project's default one at first); "no group" is not a state.
        extra_kwargs = {"group": {"allow_null": False}}

    def get_fields(self):
        fields = super().get_fields()
        # Only the issue's own project's groups exist for this field (no probing other tenants' ids).
        project_id = getattr(self.instance, "project_id", None)
        fields["group"].queryset = EventGroup.objects.filter(project_id=project_id)
        return fields

    def get_substatus(self, issue) -> str | None:
        return lifecycle.current_substatus(issue) or None

    def validate(self, attrs):
        if "status_details" in attrs:
            if "status" not in attrs:
                raise serializers.ValidationError({"status_details": "Send it with the status it details."})
            check_status_details(attrs["status"], attrs["status_details"])
        return attrs

    def to_representation(self, issue):
        shown = super().to_representation(issue)
        # The ignore thresholds errorhub keeps beside what was asked are its own business.
        shown["status_details"] = {k: v for k, v in issue.status_details.items() if not k.startswith("until_")}
        if "stats" in self.context:  # the list's stats_period, read for the whole page at once
            shown["stats"] = self.context["stats"][issue.id]
        return shown


class BulkIssueSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Issue.Status.choices, required=False)
    status_details = serializers.DictField(required=False)
    assignee = AssigneeField(required=False, allow_null=True)
    merge = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError({"status": "Send status, assignee or merge."})
        return IssueSerializer.validate(self, attrs)


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = [
            "id", "event_id", "project", "issue", "source", "kind", "timestamp", "received_at", "level", "platform",
            "message", "exception_type", "exception_value", "frames", "user", "environment", "release", "tags",
            "fingerprint", "count", "digested", "digest_error", "data", "raw",
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


class IssueActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    user = PersonField(allow_null=True)
    detail = serializers.JSONField()
    created_at = serializers.DateTimeField()


class IssueCommentSerializer(serializers.ModelSerializer):
    author = PersonField(read_only=True)

    class Meta:
        model = IssueComment
        fields = ["id", "issue", "author", "text", "created_at"]
        read_only_fields = ["id", "issue", "author", "created_at"]


class MergeSerializer(serializers.Serializer):
    issues = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=100)


class UnmergeSerializer(serializers.Serializer):
    fingerprints = serializers.ListField(child=serializers.CharField(max_length=255), min_length=1, max_length=100)


class TagValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


class IssueTagSerializer(serializers.Serializer):
    key = serializers.CharField()
    total = serializers.IntegerField()
    top = TagValueSerializer(many=True)


class StatsBucketSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    count = serializers.IntegerField()


class UnmergedSerializer(serializers.Serializer):
    issues = serializers.ListField(child=serializers.IntegerField(), help_text="the issues split off")
