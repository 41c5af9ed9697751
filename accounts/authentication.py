from functools import wraps

from django.conf import settings
from rest_framework import authentication, exceptions

from accounts.permissions import token_refusal
from accounts.tokens import token_from_request, user_for_token
from errorhub.payload import PayloadError


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """DRF side of the one token: `Authorization: Bearer <token>` or `?token=`."""

    def authenticate(self, request):
        token = token_from_request(request._request)
        if not token:
            return None
        user = user_for_token(token)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        return (user, token)

    def authenticate_header(self, request):
        return "Bearer"


def token_user(*, open_setting=None):
    """View decorator: passes the token's `user`, or refuses with 401 (in the surface's shape),
    or with 403 a write with a read-only token.

    With `open_setting` true (ERRORHUB_OPEN_LEGACY_API), a request without a token passes
    with user None, which selectors read as "every project".
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            token = token_from_request(request)
            user = user_for_token(token)
            if user is None and not (open_setting and getattr(settings, open_setting) and not token):
                raise PayloadError(None, "Unauthorized", status=401)
            refusal = user and token_refusal(user, request.method)
            if refusal:
                raise PayloadError(None, refusal, status=403)
            return view(request, *args, user=user, **kwargs)

        return wrapper

    return decorator
