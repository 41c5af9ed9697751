"""Asking the worker for a digest without letting the broker slow ingest down.

One digest drains the whole queue, so one pending request is enough for every web process:
a Redis key set with SET NX says "a digest is queued and has not started", and the digest
task deletes it before it claims anything. So each committed event is either seen by a digest
that started after its commit, or its request finds no key and queues a new digest; a burst
of requests (or a stopped worker) queues one task, not one per request.

The broker is asked with a timeout of a few milliseconds (ERRORHUB_BROKER_TIMEOUT_MS)
and without publish retries. When it does not answer, requests stop asking for
RETRY_AFTER_SECONDS and log one line per outage; the stored events wait for beat's periodic
digest or the first request after the broker is back (docs/architecture.md, "Decisions").
"""

import logging
import time

import redis
from django.conf import settings
from kombu.exceptions import OperationalError

from errorhub.celery import app as celery_app

logger = logging.getLogger(__name__)

PENDING_KEY = "errorhub:digest-pending"
# A queued digest that is lost (its message purged) holds new requests back at most this long;
# beat's sweep runs every 30 s meanwhile.
PENDING_TTL_SECONDS = 60
# While the broker is unreachable a process asks again only this often: one failed connect
# per process every few seconds instead of one per request.
RETRY_AFTER_SECONDS = 5

BROKER_ERRORS = (redis.RedisError, OperationalError, OSError)


class _BrokerState:
    """Per process: the Redis client for the pending key and whether we are in an outage."""

    def __init__(self):
        self.client = None
        self.unreachable = False
        self.retry_at = 0.0

    def redis(self):
        if self.client is None:
            timeout = settings.ERRORHUB_BROKER_TIMEOUT_MS / 1000
            self.client = redis.Redis.from_url(
                settings.CELERY_BROKER_URL, socket_connect_timeout=timeout, socket_timeout=timeout
            )
        return self.client

    def failed(self, error):
        self.retry_at = time.monotonic() + RETRY_AFTER_SECONDS
        if not self.unreachable:
            self.unreachable = True
            logger.warning(
                "broker unreachable (%s): accepted events wait for the periodic digest; retrying every %ss",
                error,
                RETRY_AFTER_SECONDS,
            )

    def answered(self):
        if self.unreachable:
            self.unreachable = False
            logger.warning("broker reachable again: digests are queued again")


_broker = _BrokerState()


def request_digest():
    """Queue one digest unless one is already pending; never raises, never waits long."""
    if _broker.unreachable and time.monotonic() < _broker.retry_at:
        return
    try:
        client = _broker.redis()
        if client.set(PENDING_KEY, 1, nx=True, ex=PENDING_TTL_SECONDS):
            try:
                _publish_digest()
            except BROKER_ERRORS:
                # No task carries this request: let the next request queue one.
                client.delete(PENDING_KEY)
                raise
    except BROKER_ERRORS as error:
        _broker.failed(error)
        return
    _broker.answered()


def _publish_digest():
    from ingest.tasks import digest

    timeout = settings.ERRORHUB_BROKER_TIMEOUT_MS / 1000
    # A connection of its own, with short timeouts, for this one publish (digests are
    # coalesced, so this is rare); the worker's connections keep Celery's defaults.
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    with celery_app.connection_for_write(transport_options=options) as connection:
        digest.apply_async(connection=connection, retry=False)


def digest_started():
    """The digest task calls this before claiming events: later requests must queue a new one."""
    try:
        _broker.redis().delete(PENDING_KEY)
    except BROKER_ERRORS as error:
        # The key expires on its own; until then beat's sweep digests.
        logger.warning("could not clear the pending digest request (%s)", error)
