"""Native API v1, mounted at /api/v1/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from accounts.api import ProjectViewSet
from issues.views.api import EventGroupViewSet, EventViewSet, IssueViewSet

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("issues", IssueViewSet, basename="issue")
router.register("events", EventViewSet, basename="event")
router.register("groups", EventGroupViewSet, basename="group")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include(router.urls)),
]
