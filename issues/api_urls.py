from rest_framework.routers import SimpleRouter

from issues.api import EventGroupViewSet, EventViewSet, IssueViewSet

router = SimpleRouter()
router.register("issues", IssueViewSet, basename="issue")
router.register("events", EventViewSet, basename="event")
router.register("groups", EventGroupViewSet, basename="group")
urlpatterns = router.urls
