"""Native API v1: issue alert rules, their deliveries and test notifications."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from alerts import rules, selectors
from alerts.rule_validation import InvalidAlertRule
from alerts.serializers import AlertDeliverySerializer, AlertRuleSerializer, NewAlertRuleSerializer


def invalid(exc):
    return ValidationError({exc.field: [exc.message]})


class AlertRuleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):  # fmt: skip
    """Issue alert rules of the projects the token's user is a member of (all for a superuser).

    POST and PATCH take `project`, `name`, `triggers`, `environment`, `min_level`, `source`,
    `targets` and `cooldown_minutes`; a bad value is a 400 naming its field.
    """

    serializer_class = AlertRuleSerializer
    filterset_fields = ["project"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.visible_alert_rules(self.request.user).prefetch_related("targets").order_by("id")

    @extend_schema(responses={201: NewAlertRuleSerializer})
    def create(self, request):
        try:
            rule = rules.create_alert_rule(request.user, request.data)
        except InvalidAlertRule as exc:
            raise invalid(exc) from None
        return Response(NewAlertRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        rule = self.get_object()
        try:
            rules.update_alert_rule(rule, request.data)
        except InvalidAlertRule as exc:
            raise invalid(exc) from None
        return Response(AlertRuleSerializer(self.get_queryset().get(pk=rule.pk)).data)

    def perform_destroy(self, rule):
        rules.delete_alert_rule(rule)

    @extend_schema(responses=AlertDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """Every message of the rule, newest first: trigger, issues, target, status, attempts, answer."""
        deliveries = selectors.deliveries_of(self.get_object())
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(AlertDeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses=AlertDeliverySerializer(many=True))
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a test notification to every target now; answers how each went."""
        deliveries = rules.send_test_notification(self.get_object())
        return Response({"results": AlertDeliverySerializer(deliveries, many=True).data})
