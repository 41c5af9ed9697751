"""Sign-in protection: failed password sign-ins are counted per email and per client IP in the
cache (Redis when a broker is configured, so every gunicorn worker shares the counts).

After ERRORHUB_SIGNIN_MAX_FAILURES_PER_EMAIL failures for one email, or
ERRORHUB_SIGNIN_MAX_FAILURES_PER_IP from one address, within ERRORHUB_SIGNIN_WINDOW_SECONDS,
sign-in is locked for that email or address for the same span (429 with Retry-After, see
accounts.middleware), whether the password is right or not. A success clears the email's count.
django-axes was the road not taken: it has one failure limit for all its lockout parameters,
and errorhub needs a lower one per email than per address.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache


class SignInLocked(Exception):
    """Raised by the password backend; `retry_after` is in whole seconds."""

    def __init__(self, retry_after):
        super().__init__(f"Too many failed sign-ins; try again in {retry_after} seconds.")
        self.retry_after = retry_after


def _counters(request, email):
    """(cache key stem, failure limit) for the email and the client address of a sign-in."""
    email_digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    stems = [(f"signin:email:{email_digest}", settings.ERRORHUB_SIGNIN_MAX_FAILURES_PER_EMAIL)]
    address = request.META.get("REMOTE_ADDR") if request is not None else None
    if address:
        stems.append((f"signin:ip:{address}", settings.ERRORHUB_SIGNIN_MAX_FAILURES_PER_IP))
    return stems


def check(request, email):
    """Raises SignInLocked while the email or the address is locked."""
    locks = cache.get_many([f"{stem}:locked-until" for stem, _ in _counters(request, email)])
    locked_until = max(locks.values(), default=0)
    remaining = locked_until - time.time()
    if remaining > 0:
        raise SignInLocked(math.ceil(remaining))


def record_failure(request, email):
    window = settings.ERRORHUB_SIGNIN_WINDOW_SECONDS
    for stem, limit in _counters(request, email):
        key = f"{stem}:failures"
        # add() starts the window at the first failure; incr() is atomic in Redis and locmem.
        cache.add(key, 0, window)
        try:
            failures = cache.incr(key)
        except ValueError:  # the window ran out between add() and incr()
            cache.set(key, 1, window)
            failures = 1
        if failures >= limit:
            cache.set(f"{stem}:locked-until", time.time() + window, window)
            cache.delete(key)


def record_success(request, email):
    stem, _ = _counters(request, email)[0]
    cache.delete(f"{stem}:failures")
