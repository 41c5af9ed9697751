"""Every original's wire surface, each declaring its error shape once (errorhub.responses).

by_method answers a PayloadError raised anywhere below a view in that shape, so no view
translates errors by hand. The modules live in ingest/surfaces/, one per original
(docs/architecture.md, "Surfaces").
"""

from django.urls import path

from errorhub.http import by_method
from errorhub.responses import healthguard_error, legacy_error, sentry_webhook_error
from ingest.surfaces import periskop, sentry_sdk
from ingest.surfaces.eventsum import capture, reads
from ingest.surfaces.healthguard import batch
from ingest.surfaces.healthguard import reads as healthguard_reads
from ingest.surfaces.sentry_webhooks import collector, deliveries


def healthguard(**views):
    return by_method(healthguard_error, **views)


def legacy(**views):
    """Eventsum, Periskop and the Sentry collector answer {"error": ...}."""
    return by_method(legacy_error, **views)


def sentry_webhooks(**views):
    return by_method(sentry_webhook_error, **views)


periskop_export = legacy(GET=periskop.export_errors, HEAD=periskop.export_errors)

urlpatterns = [
    # HealthGuard (its /api/auth/* and /api/apps are errorhub's own accounts API: accounts/urls.py).
    path("api/events/batch", healthguard(POST=batch.events_batch)),
    path("api/overview", healthguard(GET=healthguard_reads.overview)),
    path("api/issues", healthguard(GET=healthguard_reads.issue_list)),
    # HealthGuard issue ids contain colons (`<appKey>:<errorType>:<hash>`).
    path("api/issues/<path:issue_id>", healthguard(GET=healthguard_reads.issue_detail)),
    # Sentry and GlitchTip webhooks, and the Sentry Error Collector's reads of what they sent.
    path("sentry/webhook", sentry_webhooks(POST=deliveries.sentry_webhook_delivery)),
    path("glitchtip/webhook", sentry_webhooks(POST=deliveries.glitchtip_webhook_delivery)),
    path("errors/latest", legacy(GET=collector.latest_error)),
    path("errors/latest/stacktrace", legacy(GET=collector.latest_stacktrace)),
    path("config", legacy(GET=collector.collector_config)),
    # Eventsum: capture, reads and group assignment.
    path("capture", legacy(POST=capture.capture)),
    path("search", legacy(GET=reads.search, HEAD=reads.search)),
    path("detail", legacy(GET=reads.detail, HEAD=reads.detail)),
    path("histogram", legacy(GET=reads.histogram, HEAD=reads.histogram)),
    path("assign_group", legacy(POST=reads.assign_group)),
    # One route, two originals: Periskop pushes to POST /errors, the Sentry collector lists on GET.
    path("errors", legacy(POST=periskop.push_errors, GET=collector.error_list)),
    # The seed scrapes /-/errors/, the gateway serves /-/errors, the Python client /-/exceptions.
    path("-/errors", periskop_export),
    path("-/errors/", periskop_export),
    path("-/exceptions", periskop_export),
    path("-/exceptions/", periskop_export),
    # Sentry SDKs post to the trailing-slash form; APPEND_SLASH is off, so both are routed.
    path("api/<int:project_id>/envelope/", sentry_sdk.envelope_endpoint),
    path("api/<int:project_id>/envelope", sentry_sdk.envelope_endpoint),
    path("api/<int:project_id>/store/", sentry_sdk.store_endpoint),
    path("api/<int:project_id>/store", sentry_sdk.store_endpoint),
]
