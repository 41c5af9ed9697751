from django.urls import path

from errorhub.http import by_method
from errorhub.responses import healthguard_error, legacy_error
from issues.views import eventsum, healthguard, sentry_collector

urlpatterns = [
    path("api/overview", by_method(healthguard_error, GET=healthguard.overview)),
    path("api/issues", by_method(healthguard_error, GET=healthguard.issue_list)),
    # HealthGuard issue ids contain colons (`<appKey>:<errorType>:<hash>`).
    path("api/issues/<path:issue_id>", by_method(healthguard_error, GET=healthguard.issue_detail)),
    # The Sentry Error Collector's reads; its GET /errors shares Periskop's route in ingest/urls.py.
    path("errors/latest", by_method(legacy_error, GET=sentry_collector.latest_error)),
    path("errors/latest/stacktrace", by_method(legacy_error, GET=sentry_collector.latest_stacktrace)),
    path("config", by_method(legacy_error, GET=sentry_collector.collector_config)),
    # Eventsum's reads and group assignment.
    path("search", by_method(legacy_error, GET=eventsum.search, HEAD=eventsum.search)),
    path("detail", by_method(legacy_error, GET=eventsum.detail, HEAD=eventsum.detail)),
    path("histogram", by_method(legacy_error, GET=eventsum.histogram, HEAD=eventsum.histogram)),
    path("assign_group", by_method(legacy_error, POST=eventsum.assign_group)),
]
