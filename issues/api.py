"""Native API v1: issues, events and groups."""

from contextlib import contextmanager

from django.db import transaction
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.selectors import visible_projects
from issues import exports, lifecycle, selectors, services
from issues.filters import EventFilter, IssueFilter
from issues.models import EventGroup
from issues.serializers import (
    BulkIssueSerializer,
    EventGroupSerializer,
    EventSerializer,
    IssueActivitySerializer,
    IssueCommentSerializer,
    IssueSerializer,
    IssueTagSerializer,
    MergeSerializer,
    StatsBucketSerializer,
    UnmergedSerializer,
    UnmergeSerializer,
)


@contextmanager
def refused_as(field):
    """A triage the lifecycle refuses is a 400 naming the field asked for it."""
    try:
        yield
    except lifecycle.TriageRefused as exc:
        raise ValidationError({field: str(exc)}) from None


class MergedIssue(NotFound):
    """A merged issue's URL: 404, and where its events went."""

    def __init__(self, target_id):
        super().__init__()
        self.detail = {"detail": f"This issue was merged into issue {target_id}.", "merged_into": target_id}


BULK_LIMIT = 100


def wants_csv(request):
    return request.query_params.get("format") == "csv"


def csv_response(filename, rows):
    response = StreamingHttpResponse(exports.csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CSVNegotiation:
    """`?format=csv` lists stream CSV themselves; anything else under it (an error) answers JSON."""

    def perform_content_negotiation(self, request, force=False):
        if wants_csv(request):
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)


class IssueViewSet(
    CSVNegotiation, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """Issues of every source; PATCH `status` (+ `status_details`), `assignee` and `group`."""

    serializer_class = IssueSerializer
    filterset_class = IssueFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.visible_issues(self.request.user).select_related("assignee").order_by("-last_seen", "-id")

    def get_object(self):
        try:
            issue = super().get_object()
        except Http404:
            merged = selectors.merged_issue(self.request.user, self.kwargs["pk"])
            if merged is not None:
                raise MergedIssue(merged.merged_into_id) from None
            raise
        if lifecycle.wake_snoozed(issues=[issue]):
            issue.refresh_from_db()
        return issue

    @extend_schema(
        parameters=[
            OpenApiParameter("stats_period", enum=selectors.LIST_STATS_PERIODS, description="adds `stats`"),
            OpenApiParameter("format", enum=["json", "csv"], description="csv streams the filtered list"),
        ]
    )
    def list(self, request, *args, **kwargs):
        """`stats_period=24h|14d` adds each issue's series (one query per page); `format=csv` exports."""
        period = request.query_params.get("stats_period")
        if period is not None and period not in selectors.LIST_STATS_PERIODS:
            raise ValidationError({"stats_period": f"One of {', '.join(selectors.LIST_STATS_PERIODS)}."})
        queryset = self.filter_queryset(self.get_queryset())
        if wants_csv(request):
            return csv_response("issues.csv", exports.issue_rows(queryset))
        page = self.paginate_queryset(queryset)
        # Snoozes that ran out wake as they are read (and beat wakes the rest each minute).
        if lifecycle.wake_snoozed(issues=page):
            for issue in page:
                issue.refresh_from_db()
        context = self.get_serializer_context()
        if period is not None:
            context["stats"] = selectors.issues_stats([issue.id for issue in page], period)
        return self.get_paginated_response(IssueSerializer(page, many=True, context=context).data)

    @extend_schema(
        operation_id="issues_bulk_update",
        request=BulkIssueSerializer,
        responses=IssueSerializer(many=True),
        parameters=[OpenApiParameter("id", int, many=True, required=True, description="the issues to change")],
    )
    @transaction.atomic
    def bulk_update(self, request):
        """PATCH /issues/?id=1&id=2 with `status` (+ `status_details`), `assignee` or `merge: true`, each audited.

        Merging merges the issues into the one with the most events.
        """
        issues = self._bulk_issues(request)
        serializer = BulkIssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes, user = serializer.validated_data, request.user
        if "status" in changes:
            with refused_as("status_details"):
                lifecycle.apply_status(issues, changes["status"], details=changes.get("status_details"), user=user)
        if "assignee" in changes:
            with refused_as("assignee"):
                lifecycle.assign(issues, assignee=changes["assignee"], user=user)
        if changes.get("merge"):
            target = max(issues, key=lambda issue: (issue.event_count, -issue.id))
            with refused_as("merge"):
                lifecycle.merge(target, issues, user=user)
        listed = self.get_queryset().filter(pk__in=[issue.pk for issue in issues])
        return Response({"results": IssueSerializer(listed, many=True, context=self.get_serializer_context()).data})

    def _bulk_issues(self, request):
        ids = request.query_params.getlist("id")
        if not ids or len(ids) > BULK_LIMIT or not all(i.isdigit() for i in ids):
            raise ValidationError({"id": f"Name 1 to {BULK_LIMIT} issues: ?id=1&id=2."})
        found = self.get_queryset().in_bulk([int(i) for i in ids])
        missing = sorted({int(i) for i in ids} - set(found))
        if missing:
            raise ValidationError({"id": f"No issue {missing[0]}."})
        return list(found.values())

    @transaction.atomic
    def perform_update(self, serializer):
        issue, changes, user = serializer.instance, serializer.validated_data, self.request.user
        if "status" in changes:
            with refused_as("status_details"):
                lifecycle.apply_status([issue], changes["status"], details=changes.get("status_details"), user=user)
        if "assignee" in changes:
            with refused_as("assignee"):
                lifecycle.assign([issue], assignee=changes["assignee"], user=user)
        if changes.get("group") is not None:
            services.assign_group([(issue, changes["group"])], user=user)
        issue.refresh_from_db()

    def _paginated(self, queryset, serializer_class):
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(page, many=True).data)

    @extend_schema(request=MergeSerializer, responses=IssueSerializer)
    @action(detail=True, methods=["post"], serializer_class=MergeSerializer, filterset_class=None)
    def merge(self, request, pk=None):
        """Merge `{"issues": [ids]}` of the same project into this issue."""
        target = self.get_object()
        serializer = MergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        others = selectors.visible_issues(request.user).in_bulk(serializer.validated_data["issues"])
        unknown = sorted(set(serializer.validated_data["issues"]) - set(others))
        if unknown:
            raise ValidationError({"issues": f"No issue {unknown[0]} to merge."})
        with refused_as("issues"):
            lifecycle.merge(target, list(others.values()), user=request.user)
        target.refresh_from_db()
        return Response(IssueSerializer(target).data)

    @extend_schema(request=UnmergeSerializer, responses=UnmergedSerializer)
    @action(detail=True, methods=["post"], serializer_class=UnmergeSerializer, filterset_class=None)
    def unmerge(self, request, pk=None):
        """Split `{"fingerprints": [...]}` merged into this issue back into issues of their own."""
        target = self.get_object()
        serializer = UnmergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with refused_as("fingerprints"):
            split = lifecycle.unmerge(target, serializer.validated_data["fingerprints"], user=request.user)
        return Response(UnmergedSerializer({"issues": [issue.id for issue in split]}).data)

    @action(
        detail=True, methods=["get"], serializer_class=IssueTagSerializer, filterset_class=None, pagination_class=None
    )
    def tags(self, request, pk=None):
        """Each tag's total and top 10 values: `[{"key", "total", "top": [{"value", "count"}]}]`."""
        return Response(IssueTagSerializer(selectors.issue_tags(self.get_object()), many=True).data)

    @extend_schema(parameters=[OpenApiParameter("period", enum=[*selectors.STATS_PERIODS])])
    @action(
        detail=True,
        methods=["get"],
        serializer_class=StatsBucketSerializer,
        filterset_class=None,
        pagination_class=None,
    )
    def stats(self, request, pk=None):
        """Events per hour (`period=24h`, the default) or day (`14d`, `30d`): `[{"start", "count"}]`, zeros filled."""
        period = request.query_params.get("period", "24h")
        if period not in selectors.STATS_PERIODS:
            raise ValidationError({"period": f"One of {', '.join(selectors.STATS_PERIODS)}."})
        issue = self.get_object()
        return Response(StatsBucketSerializer(selectors.issues_stats([issue.id], period)[issue.id], many=True).data)

    @action(detail=True, methods=["get"], serializer_class=IssueActivitySerializer, filterset_class=None)
    def activity(self, request, pk=None):
        """Every change of the issue (who, when, what), newest first."""
        return self._paginated(selectors.issue_activity(self.get_object()), IssueActivitySerializer)

    @action(detail=True, methods=["get", "post"], serializer_class=IssueCommentSerializer, filterset_class=None)
    def comments(self, request, pk=None):
        """The issue's comments, oldest first; POST `{"text": ...}` adds one."""
        issue = self.get_object()
        if request.method == "GET":
            return self._paginated(selectors.issue_comments(issue), IssueCommentSerializer)
        serializer = IssueCommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.add_comment(issue, author=request.user, text=serializer.validated_data["text"])
        return Response(IssueCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"comments/(?P<comment_id>\d+)",
        serializer_class=IssueCommentSerializer,
        filterset_class=None,
    )
    def delete_comment(self, request, pk=None, comment_id=None):
        """Authors delete their own comments."""
        comment = get_object_or_404(selectors.issue_comments(self.get_object()), pk=comment_id)
        try:
            services.delete_comment(comment, user=request.user)
        except services.CommentRefused as exc:
            raise PermissionDenied(str(exc)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class EventViewSet(CSVNegotiation, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EventSerializer
    filterset_class = EventFilter

    def get_queryset(self):
        return selectors.visible_events(self.request.user).order_by("-timestamp", "-id")

    def list(self, request, *args, **kwargs):
        """`format=csv` exports the filtered events."""
        if wants_csv(request):
            return csv_response("events.csv", exports.event_rows(self.filter_queryset(self.get_queryset())))
        return super().list(request, *args, **kwargs)


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
