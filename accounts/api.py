"""Native API v1: projects."""

from rest_framework import mixins, viewsets

from accounts import services
from accounts.selectors import visible_projects
from accounts.serializers import ProjectSerializer


class ProjectViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    """Projects the token's user is a member of (every project for a superuser)."""

    serializer_class = ProjectSerializer
    filterset_fields = ["slug", "platform"]

    def get_queryset(self):
        return visible_projects(self.request.user).prefetch_related("members").order_by("id")

    def perform_create(self, serializer):
        serializer.instance = services.create_project(
            name=serializer.validated_data["name"],
            platform=serializer.validated_data["platform"],
            owner=self.request.user,
            keyless_ingest=serializer.validated_data.get("keyless_ingest", False),
        )
