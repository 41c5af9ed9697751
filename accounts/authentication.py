from rest_framework import authentication, exceptions

from accounts.tokens import token_from_request, user_for_token


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
