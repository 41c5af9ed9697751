from rest_framework.routers import SimpleRouter

from issues.api import EventGroupViewSet, EventViewSet, IssueViewSet


class Router(SimpleRouter):
    """A list route also takes PATCH where the viewset has bulk_update (issues: bulk triage)."""

    routes = [
        SimpleRouter.routes[0]._replace(mapping={**SimpleRouter.routes[0].mapping, "patch": "bulk_update"}),
        *SimpleRouter.routes[1:],
    ]


router = Router()
router.register("issues", IssueViewSet, basename="issue")
router.register("events", EventViewSet, basename="event")
router.register("groups", EventGroupViewSet, basename="group")
urlpatterns = router.urls
