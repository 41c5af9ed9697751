"""Opaque API tokens: `session_<random>` to the client, only the SHA-256 in the database."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import SessionToken

TOKEN_PREFIX = "session_"


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user):
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    now = timezone.now()
    SessionToken.objects.create(
        user=user,
        key_hash=hash_token(token),
        created_at=now,
        expires_at=now + timedelta(days=settings.ERRORHUB_TOKEN_TTL_DAYS),
    )
    return token


def user_for_token(token):
    """The active user a token belongs to, or None when it is unknown or expired."""
    if not token:
        return None
    row = (
        SessionToken.objects.select_related("user")
        .filter(key_hash=hash_token(token), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    return row.user if row else None


def token_from_request(request):
    """A Bearer header, else `?token=` for scrapers that cannot send headers (Periskop server)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.GET.get("token", "")
