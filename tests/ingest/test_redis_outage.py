"""Redis stops: ingest keeps its rate, and every event is digested once Redis is back.

Production shape: gunicorn and a Celery worker on a Redis of the test's own, which the test
stops and starts again. Each digest request is coalesced and bounded by a short timeout, so a
request never waits on a broker that does not answer (ingest/digest_requests.py).
"""

import copy
import time

import pytest
import requests

from ingest.selectors import digest_pending
from issues.models import Event, Issue
from tests.conftest import load_fixture
from tests.support.redis_server import RedisServer
from tests.support.server import start_gunicorn, stop
from tests.support.worker import require_services, start_celery_worker, wait_until

pytestmark = pytest.mark.services

LOAD_SECONDS = 1.5


class Capturer:
    """An Eventsum client posting captures one after another over one keep-alive connection."""

    def __init__(self, url):
        self.url = f"{url}/capture"
        self.session = requests.Session()
        self.capture = copy.deepcopy(load_fixture("eventsum_capture.json"))
        self.capture["service"] = "outage-demo"
        self.sent = 0

    def post(self):
        response = self.session.post(self.url, json=self.capture, timeout=10)
        assert response.status_code == 200, response.text
        self.sent += 1

    def rate(self, seconds=LOAD_SECONDS):
        """Accepted captures per second over `seconds`."""
        count, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.post()
            count += 1
        return count / seconds


def test_ingest_keeps_its_rate_while_redis_is_down_and_everything_is_digested_after(transactional_db, tmp_path):
    require_services()
    broker = RedisServer(tmp_path / "redis.log")
    broker.start()
    worker = start_celery_worker(tmp_path / "worker.log", broker_url=broker.url)
    gunicorn, url = start_gunicorn(tmp_path / "gunicorn.log", extra_env={"CELERY_BROKER_URL": broker.url})
    try:
        client = Capturer(url)
        client.rate(0.3)  # warm: connections open, the project exists
        with_redis = client.rate()
        broker.stop()
        without_redis = client.rate()
        assert without_redis >= 0.5 * with_redis, (with_redis, without_redis)

        broker.start()

        def everything_digested():
            if not digest_pending():
                return True
            # Captures keep arriving, as in production; the first after the retry pause queues a digest.
            client.post()
            return False

        assert wait_until(everything_digested, timeout=60, interval=0.5)
        assert Event.objects.count() == client.sent
        assert list(Issue.objects.values_list("event_count", flat=True)) == [client.sent]

        log = (tmp_path / "gunicorn.log").read_text()
        # One line per outage in each of gunicorn's two workers, not a traceback per request.
        assert 1 <= log.count("broker unreachable") <= 2, log
        assert "Traceback" not in log
    finally:
        stop(gunicorn)
        worker.terminate()
        worker.wait(timeout=30)
        if broker.process.poll() is None:
            broker.stop()
