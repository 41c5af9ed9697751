from django.urls import path

from errorhub.http import by_method
from errorhub.responses import healthguard_error, legacy_error, sentry_webhook_error
from ingest.views import eventsum, healthguard, periskop, sentry_envelope, sentry_webhook
from issues.views import sentry_collector

periskop_export = by_method(legacy_error, GET=periskop.export_errors, HEAD=periskop.export_errors)

urlpatterns = [
    path("api/events/batch", by_method(healthguard_error, POST=healthguard.events_batch)),
    path("sentry/webhook", by_method(sentry_webhook_error, POST=sentry_webhook.sentry_webhook_delivery)),
    path("glitchtip/webhook", by_method(sentry_webhook_error, POST=sentry_webhook.glitchtip_webhook_delivery)),
    path("capture", by_method(legacy_error, POST=eventsum.capture)),
    # One route, two originals: Periskop pushes to POST /errors, the Sentry collector lists on GET.
    path("errors", by_method(legacy_error, POST=periskop.push_errors, GET=sentry_collector.error_list)),
    # The seed scrapes /-/errors/, the gateway serves /-/errors, the Python client /-/exceptions.
    path("-/errors", periskop_export),
    path("-/errors/", periskop_export),
    path("-/exceptions", periskop_export),
    path("-/exceptions/", periskop_export),
    # Sentry SDKs post to the trailing-slash form; APPEND_SLASH is off, so both are routed.
    path("api/<int:project_id>/envelope/", sentry_envelope.envelope_endpoint),
    path("api/<int:project_id>/envelope", sentry_envelope.envelope_endpoint),
    path("api/<int:project_id>/store/", sentry_envelope.store_endpoint),
    path("api/<int:project_id>/store", sentry_envelope.store_endpoint),
]
