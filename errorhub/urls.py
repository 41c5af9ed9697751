from django.contrib import admin
from django.urls import include, path

from errorhub.views import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health", health),
    path("", include("accounts.urls")),
    path("", include("ingest.urls")),
    path("", include("issues.urls")),
]
