import json
import uuid
from pathlib import Path

import pytest

from tests.support.api import TokenClient, register
from tests.support.fake_kapacitor import fake_kapacitor_server  # noqa: F401  (shared fixture)
from tests.support.sentry_node import node_reporter  # noqa: F401  (shared fixture)
from tests.support.server import errorhub_server, gunicorn_process  # noqa: F401  (shared fixtures)
from tests.support.worker import celery_worker, celery_worker_process  # noqa: F401  (shared fixtures)

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name):
    text = (FIXTURES / name).read_text()
    return json.loads(text) if name.endswith(".json") else text


@pytest.fixture
def owner(client, db):
    """A registered user's client: every request carries its token."""
    return TokenClient(register(client, "owner@example.com"))


@pytest.fixture
def stranger(client, db):
    return TokenClient(register(client, "stranger@example.com"))


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Each test starts with no sign-in failures counted (in Redis, the PostgreSQL leg's cache,
    they would outlive the test): its own key prefix."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}


@pytest.fixture(autouse=True)
def eager_tasks(settings):
    """Tasks run in-process unless a test asks for the real worker (tests.support.worker).

    Requests made in this process digest inside the request: the background digester's own
    connection could not see the test's transaction. gunicorn under test runs the real thread
    (tests/ingest/test_embedded_digest.py).
    """
    from errorhub.celery import app

    app.conf.task_always_eager = True
    settings.ERRORHUB_DIGEST_IN_REQUEST = True
    yield
