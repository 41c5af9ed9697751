from rest_framework.routers import SimpleRouter

from alerts.api import AlertRuleViewSet

router = SimpleRouter()
router.register("alert-rules", AlertRuleViewSet, basename="alert-rule")
urlpatterns = router.urls
