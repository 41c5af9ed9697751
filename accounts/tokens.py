"""Opaque tokens: only their SHA-256 is stored, so a leaked table leaks no token.

Two kinds share one lookup: session tokens (`session_<random>`, from register/login, every
right of their user, ERRORHUB_TOKEN_TTL_DAYS) and API tokens (`ehapi_<random>`, named, read
or read-write, optionally one project's, optional expiry). The prefix says which table holds
the hash. The user a token authenticates carries the token's limits as `token_grant`, which
accounts.selectors and accounts.permissions read.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.models import ApiToken, SessionToken

TOKEN_PREFIX = "session_"
API_TOKEN_PREFIX = "ehapi_"
# last_used_at is written at most this often per token, so a scraper's reads are not all writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenGrant:
    """What a request's token allows beyond its user's own rights."""

    may_write: bool = True
    project_id: int | None = None

    @property
    def unrestricted(self):
        return self.may_write and self.project_id is None


# Session tokens, and the admin's browser session, carry every right of their user.
FULL_GRANT = TokenGrant()


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _new_secret(prefix):
    token = prefix + secrets.token_urlsafe(24)
    return token, hash_token(token)


def issue_token(user):
    token, key_hash = _new_secret(TOKEN_PREFIX)
    now = timezone.now()
    SessionToken.objects.create(
        user=user,
        key_hash=key_hash,
        created_at=now,
        expires_at=now + timedelta(days=settings.ERRORHUB_TOKEN_TTL_DAYS),
    )
    return token


def issue_api_token(user, *, name, can_write, project=None, expires_at=None):
    """A new API token row and the token itself, which is shown this once."""
    token, key_hash = _new_secret(API_TOKEN_PREFIX)
    row = ApiToken.objects.create(
        user=user, name=name, key_hash=key_hash, can_write=can_write, project=project, expires_at=expires_at
    )
    return row, token


def _live_row(token):
    now = timezone.now()
    model = ApiToken if token.startswith(API_TOKEN_PREFIX) else SessionToken
    live = Q(expires_at__gt=now) | Q(expires_at__isnull=True) if model is ApiToken else Q(expires_at__gt=now)
    return model.objects.select_related("user").filter(live, key_hash=hash_token(token), user__is_active=True).first()


def user_for_token(token):
    """The active user a token belongs to, carrying its `token_grant`; None when unknown or expired."""
    if not token:
        return None
    row = _live_row(token)
    if row is None:
        return None
    user = row.user
    if isinstance(row, ApiToken):
        user.token_grant = TokenGrant(may_write=row.can_write, project_id=row.project_id)
        now = timezone.now()
        if row.last_used_at is None or row.last_used_at < now - LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    else:
        user.token_grant = FULL_GRANT
    return user


def grant_of(user):
    """The limits of the token that authenticated `user` (none for a browser session)."""
    return getattr(user, "token_grant", FULL_GRANT)


def revoke_token(token):
    """Deletes the token (either kind); False when it was unknown already."""
    if not token:
        return False
    model = ApiToken if token.startswith(API_TOKEN_PREFIX) else SessionToken
    return model.objects.filter(key_hash=hash_token(token)).delete()[0] > 0


def token_from_request(request):
    """A Bearer header, else `?token=` for scrapers that cannot send headers (Periskop server)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.GET.get("token", "")
