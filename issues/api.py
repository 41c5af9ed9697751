"""Native API v1: issues, events and groups."""

from django.db import transaction
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError

from accounts.selectors import visible_projects
from issues import lifecycle, selectors, services
from issues.filters import EventFilter, IssueFilter
from issues.models import EventGroup
from issues.serializers import EventGroupSerializer, EventSerializer, IssueSerializer


class IssueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Issues of every source; PATCH `status` (unresolved, resolved, ignored) and `group`."""

    serializer_class = IssueSerializer
    filterset_class = IssueFilter
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.visible_issues(self.request.user).order_by("-last_seen", "-id")

    @transaction.atomic
    def perform_update(self, serializer):
        issue, changes, user = serializer.instance, serializer.validated_data, self.request.user
        if "status" in changes:
            lifecycle.set_status([issue], changes["status"], user=user)
        if changes.get("group") is not None:
            services.assign_group([(issue, changes["group"])], user=user)
        issue.refresh_from_db()


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EventSerializer
    filterset_class = EventFilter

    def get_queryset(self):
        return selectors.visible_events(self.request.user).order_by("-timestamp", "-id")


class EventGroupViewSet(viewsets.ModelViewSet):
    """Eventsum's groups. Every project has a `default` group."""

    serializer_class = EventGroupSerializer
    filterset_fields = ["project", "name"]

    def get_queryset(self):
        return EventGroup.objects.filter(project__in=visible_projects(self.request.user)).order_by("project_id", "name")

    def perform_destroy(self, group):
        try:
            services.delete_group(group)
        except services.ProtectedGroup as exc:
            raise ValidationError({"name": str(exc)}) from None
