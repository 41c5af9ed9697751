"""Single sign-on with OpenID Connect, on mozilla-django-oidc.

Configured by OIDC_ISSUER alone (plus the client id and secret): the provider's endpoints come
from its discovery document, fetched on the first sign-in rather than at startup, so a provider
that is down does not keep errorhub (or password sign-in) from starting. Users are matched or
created by verified email; OIDC_STAFF_GROUP / OIDC_SUPERUSER_GROUP map the groups claim to
Django's staff and superuser flags at every sign-in.
"""

import functools

import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from accounts.models import User

# mozilla-django-oidc setting -> the discovery document's key.
DISCOVERED_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


class ProviderUnavailable(Exception):
    pass


@functools.cache
def discovery(issuer):
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"{url}: {exc}") from None


def provider_setting(name, *default):
    if name in DISCOVERED_ENDPOINTS:
        return discovery(settings.OIDC_ISSUER)[DISCOVERED_ENDPOINTS[name]]
    return getattr(settings, name, *default)


def _discovered(name):
    return property(lambda self: provider_setting(name))


class SignInRequestView(OIDCAuthenticationRequestView):
    """Redirects to the provider's authorization endpoint (from discovery)."""

    get_settings = staticmethod(provider_setting)

    def __init__(self, *args, **kwargs):  # the endpoint is read per request, in get()
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    OIDC_OP_AUTH_ENDPOINT = _discovered("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)

    def get(self, request):
        try:
            return super().get(request)
        except ProviderUnavailable:
            return HttpResponse("The sign-in provider does not answer; try again later.", status=503)


class SingleSignOnBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(provider_setting)

    def __init__(self, *args, **kwargs):  # Django builds backends for every sign-in: no network here
        self.UserModel = User
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    OIDC_OP_TOKEN_ENDPOINT = _discovered("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = _discovered("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = _discovered("OIDC_OP_JWKS_ENDPOINT")

    def verify_claims(self, claims):
        # An unverified email could be anyone's: it must not sign in as the account that owns it.
        return bool(claims.get("email")) and claims.get("email_verified") is True

    def filter_users_by_claims(self, claims):
        return User.objects.filter(email__iexact=claims["email"].strip())

    def create_user(self, claims):
        user = User.objects.create_user(email=claims["email"])  # no password: it signs in here only
        return self.update_user(user, claims)

    def update_user(self, user, claims):
        groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
        if not isinstance(groups, list):
            raise SuspiciousOperation(f"the {settings.OIDC_GROUPS_CLAIM} claim is not a list")
        roles = {}
        if settings.OIDC_SUPERUSER_GROUP:
            roles["is_superuser"] = settings.OIDC_SUPERUSER_GROUP in groups
        if settings.OIDC_STAFF_GROUP:
            roles["is_staff"] = settings.OIDC_STAFF_GROUP in groups or roles.get("is_superuser", False)
        elif roles.get("is_superuser"):
            roles["is_staff"] = True
        changed = {name: value for name, value in roles.items() if getattr(user, name) != value}
        if changed:
            for name, value in changed.items():
                setattr(user, name, value)
            user.save(update_fields=list(changed))
        return user
