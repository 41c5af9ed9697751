"""What a token's grant allows, for DRF views and the legacy surfaces alike."""

from rest_framework import permissions

from accounts.tokens import grant_of

READ_METHODS = frozenset(permissions.SAFE_METHODS)


def token_refusal(user, method):
    """Why this request's token may not do `method`, or None when it may."""
    if method not in READ_METHODS and not grant_of(user).may_write:
        return "This token is read-only."
    return None


def may_manage_account(user):
    """Creating projects and tokens needs a login (session token or admin session), not an API
    token: a project's token must not reach other projects, nor mint a broader token."""
    return grant_of(user).unrestricted


class TokenGrantPermission(permissions.BasePermission):
    """A read-only token gets 403 on any write of the native API."""

    def has_permission(self, request, view):
        refusal = token_refusal(request.user, request.method)
        if refusal:
            self.message = refusal
            return False
        return True
