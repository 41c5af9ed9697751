"""Native API v1: projects and API tokens."""

from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts import services
from accounts.permissions import may_manage_account
from accounts.selectors import api_tokens_of, visible_projects
from accounts.serializers import QUOTA_FIELDS, ApiTokenSerializer, NewApiTokenSerializer, ProjectSerializer
from accounts.tokens import issue_api_token

ACCOUNT_TOKEN_NEEDED = "This needs a login token, not an API token."


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
        if not may_manage_account(self.request.user):
            raise PermissionDenied(ACCOUNT_TOKEN_NEEDED)
        quotas = {name: value for name, value in serializer.validated_data.items() if name in QUOTA_FIELDS}
        serializer.instance = services.create_project(
            name=serializer.validated_data["name"],
            platform=serializer.validated_data["platform"],
            owner=self.request.user,
            keyless_ingest=serializer.validated_data.get("keyless_ingest", False),
            **quotas,
        )


class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The user's API tokens: create one (its token is answered once), list them, revoke one (DELETE)."""

    serializer_class = ApiTokenSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not may_manage_account(request.user):
            raise PermissionDenied(ACCOUNT_TOKEN_NEEDED)

    def get_queryset(self):
        return api_tokens_of(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row, token = issue_api_token(
            request.user,
            name=data["name"],
            can_write="write" in data["scopes"],
            project=data.get("project"),
            expires_at=data.get("expires_at"),
        )
        row.token = token
        return Response(NewApiTokenSerializer(row, context=self.get_serializer_context()).data, status.HTTP_201_CREATED)
