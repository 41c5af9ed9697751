from rest_framework.routers import SimpleRouter

from accounts.api import ApiTokenViewSet, ProjectViewSet

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("tokens", ApiTokenViewSet, basename="token")
urlpatterns = router.urls
