"""A real Celery worker, consuming from Redis and writing to the PostgreSQL test database.

Used by tests marked `services`; they run in the PostgreSQL leg of `make test` (always
under CI=true). Everything else runs with eager tasks.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from errorhub.celery import app as celery_app
from ingest import digest_requests

ROOT = Path(__file__).resolve().parents[2]


def require_services():
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL:
        pytest.fail(
            "this test needs PostgreSQL and Redis: run it through `make test` "
            "(DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://...)",
            pytrace=False,
        )


def _database_url():
    db = settings.DATABASES["default"]
    # pytest-django has pointed the connection at the test database by now.
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_celery_worker(log_path, *, broker_url, extra_env=None):
    """A Celery worker process (solo pool) consuming from `broker_url`, writing to the test database."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker_url,
        "SECRET_KEY": settings.SECRET_KEY,
        **(extra_env or {}),
    }
    with open(log_path, "w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "errorhub", "worker", "--pool", "solo", "--loglevel", "info",
             "--without-gossip", "--without-mingle", "--hostname", f"test-{os.getpid()}-{uuid.uuid4().hex[:6]}@%h"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def clear_digest_requests(broker_url):
    """A digest request left pending by an earlier run would hold this run's requests back."""
    redis.Redis.from_url(broker_url).delete(digest_requests.PENDING_KEY)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, fake_kapacitor_server, tmp_path_factory):
    require_services()
    celery_app.control.purge()
    clear_digest_requests(settings.CELERY_BROKER_URL)
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    worker = start_celery_worker(
        log, broker_url=settings.CELERY_BROKER_URL, extra_env={"KAPACITOR_URL": fake_kapacitor_server.url}
    )
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{log.read_text()}", pytrace=False)
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)


@pytest.fixture
def celery_worker(celery_worker_process, transactional_db):
    """Route .delay() to the real worker for this test (others run tasks eagerly)."""
    celery_app.conf.task_always_eager = False
    yield celery_worker_process
    celery_app.conf.task_always_eager = True


def wait_until(condition, timeout=30, interval=0.1):
    """Poll until the worker has done its part; fails with the last value seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def stored_event(event_id, timeout=20):
    """The Event of an accepted event id, once stored: Sentry payloads reach it through the digest."""
    from issues.models import Event

    assert wait_until(lambda: Event.objects.filter(event_id=event_id).exists(), timeout=timeout), event_id
    return Event.objects.get(event_id=event_id)
