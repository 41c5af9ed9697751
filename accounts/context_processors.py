from django.conf import settings


def sign_in_options(request):
    """How people sign in, for the admin login page (templates/admin/login.html)."""
    return {
        "sso_provider_name": settings.OIDC_PROVIDER_NAME if settings.OIDC_ISSUER else "",
        "password_login": settings.ERRORHUB_PASSWORD_LOGIN,
    }
