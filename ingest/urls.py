from django.urls import path

from ingest.views import healthguard

urlpatterns = [
    path("api/events/batch", healthguard.events_batch),
]
