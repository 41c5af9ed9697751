"""Counters that cost no database write: Redis when one is configured, else this process's memory.

One interface, two stores. `admit` counts `amount` into every window (a counter that expires
`seconds` after its first count: Redis INCR with expiry) only when none would pass its
limit; otherwise it adds `amount` to a tally instead (a hash of counts, `take` empties it).

Without Redis each process counts on its own (docs/architecture.md, "Decisions": quotas).
"""

import logging
import math
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

PREFIX = "errorhub:counters:"
# While Redis does not answer, a process asks again only this often (one slow call, not one
# per request); meanwhile everything is admitted.
RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True)
class Window:
    name: str
    seconds: int
    limit: int


# KEYS: the tally, then one counter per window. ARGV: amount, tally field, then per window
# its limit and length in ms. Returns 0 when admitted, else [window index, ms until it ends].
ADMIT_SCRIPT = """
local amount = tonumber(ARGV[1])
for i = 2, #KEYS do
  local limit = tonumber(ARGV[1 + 2 * (i - 1)])
  if tonumber(redis.call('GET', KEYS[i]) or '0') + amount > limit then
    redis.call('HINCRBY', KEYS[1], ARGV[2], amount)
    return {i - 1, redis.call('PTTL', KEYS[i])}
  end
end
for i = 2, #KEYS do
  if redis.call('INCRBY', KEYS[i], amount) == amount then
    redis.call('PEXPIRE', KEYS[i], ARGV[2 + 2 * (i - 1)])
  end
end
return 0
"""

TAKE_SCRIPT = """
local tally = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return tally
"""


class RedisCounters:
    def __init__(self, url):
        # Never hold ingest long: the broker's timeout (Redis answers in well under a millisecond).
        timeout = settings.ERRORHUB_BROKER_TIMEOUT_MS / 1000
        self.client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self.admit_script = self.client.register_script(ADMIT_SCRIPT)
        self.take_script = self.client.register_script(TAKE_SCRIPT)
        self.retry_at = None

    def admit(self, windows, amount, tally, field):
        if self.retry_at is not None and time.monotonic() < self.retry_at:
            return None
        keys = [PREFIX + tally] + [PREFIX + w.name for w in windows]
        args = [amount, field] + [value for w in windows for value in (w.limit, w.seconds * 1000)]
        try:
            refused = self.admit_script(keys=keys, args=args)
        except redis.RedisError:
            self._outage()
            return None
        if self.retry_at is not None:
            self.retry_at = None
            logger.warning("quota counters (Redis) answer again; events are counted again")
        if not refused:
            return None
        index, remaining_ms = refused
        return windows[index - 1], _seconds(remaining_ms / 1000 if remaining_ms > 0 else windows[index - 1].seconds)

    def take(self, tally):
        try:
            flat = self.take_script(keys=[PREFIX + tally])
        except redis.RedisError:
            self._outage()
            return {}
        return {flat[i].decode(): int(flat[i + 1]) for i in range(0, len(flat), 2)}

    def peek(self, tally, field):
        try:
            return int(self.client.hget(PREFIX + tally, field) or 0)
        except redis.RedisError:
            self._outage()
            return 0

    def clear(self):
        for key in self.client.scan_iter(f"{PREFIX}*"):
            self.client.delete(key)

    def _outage(self):
        # Quotas fail open: an event is never refused because the counters are away.
        # One log line per outage, not one per request.
        if self.retry_at is None:
            logger.warning("quota counters (Redis) unreachable; admitting events uncounted", exc_info=True)
        self.retry_at = time.monotonic() + RETRY_AFTER_SECONDS


class LocalCounters:
    """The same rules in this process's memory, behind a lock (threaded workers)."""

    # Windows of projects that went quiet are dropped once there are this many.
    SWEEP_AT = 10_000

    def __init__(self):
        self.lock = threading.Lock()
        self.counters = {}  # name -> [count, ends at (monotonic)]
        self.tallies = {}  # tally -> {field: count}

    def admit(self, windows, amount, tally, field):
        now = time.monotonic()
        with self.lock:
            if len(self.counters) > self.SWEEP_AT:
                self.counters = {name: c for name, c in self.counters.items() if c[1] > now}
            current = [self._current(w.name, now) for w in windows]
            for window, counter in zip(windows, current, strict=True):
                if counter and counter[0] + amount > window.limit:
                    counts = self.tallies.setdefault(tally, {})
                    counts[field] = counts.get(field, 0) + amount
                    return window, _seconds(counter[1] - now)
            for window, counter in zip(windows, current, strict=True):
                if counter:
                    counter[0] += amount
                else:
                    self.counters[window.name] = [amount, now + window.seconds]
        return None

    def _current(self, name, now):
        counter = self.counters.get(name)
        if counter and counter[1] <= now:
            del self.counters[name]
            return None
        return counter

    def take(self, tally):
        with self.lock:
            return self.tallies.pop(tally, {})

    def peek(self, tally, field):
        with self.lock:
            return self.tallies.get(tally, {}).get(field, 0)

    def clear(self):
        with self.lock:
            self.counters.clear()
            self.tallies.clear()


def _seconds(remaining):
    """Whole seconds to wait, at least one (Retry-After has no fractions)."""
    return max(1, math.ceil(remaining))


_store = None
_store_lock = threading.Lock()


def store():
    """This process's counter store, made on first use (after gunicorn forks)."""
    global _store
    if _store is None:
        with _store_lock:
            if _store is None:
                url = settings.ERRORHUB_COUNTERS_REDIS_URL
                _store = RedisCounters(url) if url else LocalCounters()
    return _store
