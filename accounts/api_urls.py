from rest_framework.routers import SimpleRouter

from accounts.api import ProjectViewSet

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")
urlpatterns = router.urls
