from django.urls import path

from issues.views import healthguard

urlpatterns = [
    path("api/overview", healthguard.overview),
    path("api/issues", healthguard.issue_list),
    # HealthGuard issue ids contain colons (`<appKey>:<errorType>:<hash>`).
    path("api/issues/<path:issue_id>", healthguard.issue_detail),
]
