from django.conf import settings
from django.urls import include, path

from accounts import views
from errorhub.http import by_method
from errorhub.responses import healthguard_error

urlpatterns = [
    path("api/auth/register", by_method(healthguard_error, POST=views.register)),
    path("api/auth/login", by_method(healthguard_error, POST=views.login)),
    path("api/auth/logout", by_method(healthguard_error, POST=views.logout)),
    path("api/auth/me", by_method(healthguard_error, GET=views.me)),
    path("api/apps", by_method(healthguard_error, GET=views.list_apps, POST=views.create_app)),
]

if settings.OIDC_ISSUER:
    urlpatterns += [
        path("oidc/", include("mozilla_django_oidc.urls")),
        path("api/auth/sso", by_method(healthguard_error, GET=views.sso_sign_in)),
        path("api/auth/sso/token", by_method(healthguard_error, GET=views.sso_token), name="sso-token"),
    ]
