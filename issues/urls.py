from django.urls import path

from issues.views import healthguard, sentry_collector

urlpatterns = [
    path("api/overview", healthguard.overview),
    path("api/issues", healthguard.issue_list),
    # HealthGuard issue ids contain colons (`<appKey>:<errorType>:<hash>`).
    path("api/issues/<path:issue_id>", healthguard.issue_detail),
    # The Sentry Error Collector's reads; its GET /errors shares Periskop's route in ingest/urls.py.
    path("errors/latest", sentry_collector.latest_error),
    path("errors/latest/stacktrace", sentry_collector.latest_stacktrace),
    path("config", sentry_collector.collector_config),
]
