from django.contrib import admin
from django.urls import include, path

from errorhub.views import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health", health),
    path("api/v1/", include("errorhub.api_urls")),
    path("", include("accounts.urls")),
    path("", include("ingest.urls")),
    path("", include("alerts.urls")),
]

handler404 = "errorhub.views.not_found"
handler500 = "errorhub.views.server_error"
