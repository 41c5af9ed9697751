from django.urls import path

from ingest.views import healthguard, sentry_webhook

urlpatterns = [
    path("api/events/batch", healthguard.events_batch),
    path("sentry/webhook", sentry_webhook.sentry_webhook_delivery),
    path("glitchtip/webhook", sentry_webhook.glitchtip_webhook_delivery),
]
