"""Native API v1, mounted at /api/v1/: each app registers its own resources."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include("accounts.api_urls")),
    path("", include("issues.api_urls")),
    path("", include("alerts.api_urls")),
]
