"""How the native API shows issue alert rules and their deliveries (writes are checked by
alerts.rule_validation, which names each bad field)."""

from rest_framework import serializers

from alerts.models import AlertDelivery, AlertRule, AlertTarget


class AlertTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertTarget
        fields = ["id", "kind", "failing", "last_error", "last_failure_at", "last_success_at"]

    def to_representation(self, target):
        # The target's own keys (to, url, channel) beside its state; a Slack URL shown redacted.
        return {**target.description(), **super().to_representation(target)}


class AlertRuleSerializer(serializers.ModelSerializer):
    triggers = serializers.JSONField(read_only=True)
    targets = AlertTargetSerializer(many=True, read_only=True)

    class Meta:
        model = AlertRule
        fields = [
            "id", "project", "name", "triggers", "environment", "min_level", "source", "targets",
            "cooldown_minutes", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class NewAlertRuleSerializer(AlertRuleSerializer):
    """The answer to POST: the only time the webhook signing secret is shown."""

    class Meta(AlertRuleSerializer.Meta):
        fields = [*AlertRuleSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class AlertDeliverySerializer(serializers.ModelSerializer):
    target = serializers.SerializerMethodField()

    class Meta:
        model = AlertDelivery
        fields = [
            "id", "trigger", "issue", "issue_ids", "target", "status", "attempts", "last_response", "last_error",
            "created_at", "last_attempt_at", "sent_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_target(self, delivery) -> dict:
        return {"id": delivery.target_id, "kind": delivery.target_kind, "destination": delivery.target_destination}
