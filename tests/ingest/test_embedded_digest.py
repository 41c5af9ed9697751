"""The embedded default (no broker): a request only inserts, and a background thread in each
gunicorn worker groups what was accepted (ingest.digester), in both legs' databases."""

import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.utils import timezone

from accounts.models import Project
from ingest.formats.common import IncomingEvent
from ingest.pipeline import event_row
from ingest.selectors import digest_pending
from issues.models import Event, Source
from tests.support.healthguard import seed_batch
from tests.support.server import start_gunicorn, stop
from tests.support.worker import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

BACKGROUND_DIGEST = re.compile(r"^background digest pass: (\d+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def embedded_process(django_db_setup, tmp_path_factory):
    """errorhub without a broker, in either leg's database; DEBUG logs show the digester's passes."""
    log = tmp_path_factory.mktemp("embedded") / "gunicorn.log"
    process, url = start_gunicorn(log, extra_env={"CELERY_BROKER_URL": "", "LOG_LEVEL": "DEBUG"})
    process.log_path, process.url = log, url
    yield process
    stop(process)


@pytest.fixture
def embedded(embedded_process, transactional_db):
    yield embedded_process
    # The database is flushed next: let the digesters finish first.
    wait_until(lambda: not digest_pending(), timeout=20)


def background_digested(server):
    return sum(int(n) for n in BACKGROUND_DIGEST.findall(server.log_path.read_text()))


def new_app(server):
    session = requests.Session()
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    token = session.post(f"{server.url}/api/auth/register", json={"email": email, "password": "a-long-password"})
    session.headers["Authorization"] = f"Bearer {token.json()['token']}"
    app = session.post(f"{server.url}/api/apps", json={"name": "Shop", "type": "web"}).json()["app"]
    return session, app["appKey"]


def batch_of(app_key, number, size=5):
    batch = seed_batch(app_key)
    [seed] = batch["events"]
    batch["events"] = [
        {**seed, "eventId": f"b{number}-{i}", "fingerprint": f"js:checkout-{(number + i) % 4}"} for i in range(size)
    ]
    return json.dumps(batch)


def test_requests_only_insert_and_the_background_digester_groups_every_event(embedded):
    session, app_key = new_app(embedded)
    before = background_digested(embedded)

    def post(number):
        return requests.post(
            f"{embedded.url}/api/events/batch",
            data=batch_of(app_key, number),
            headers={"Content-Type": "application/json"},
        ).status_code

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(post, range(40))) == [202] * 40

    def event_counts():
        issues = session.get(f"{embedded.url}/api/issues", params={"appKey": app_key}).json()["issues"]
        return sorted(issue["eventCount"] for issue in issues)

    assert wait_until(lambda: event_counts() == [50, 50, 50, 50], timeout=30) is True
    # Every one of the 200 events was digested by a worker's background thread, none inside a request.
    assert wait_until(lambda: background_digested(embedded) - before == 200, timeout=5) is True


def test_events_a_killed_worker_left_undigested_are_grouped_with_the_next_request(embedded):
    session, app_key = new_app(embedded)
    project = Project.objects.get(app_key=app_key)
    # Committed, but the process died before its digester ran.
    left = [
        event_row(project.pk, Source.HEALTHGUARD, IncomingEvent(event_id=f"left-{i}", timestamp=timezone.now(),
                  fingerprint="js:left-behind", title="TypeError: left behind"), timezone.now())
        for i in range(3)
    ]  # fmt: skip
    Event.objects.bulk_create(left)

    assert (
        requests.post(
            f"{embedded.url}/api/events/batch",
            data=batch_of(app_key, 0, size=1),
            headers={"Content-Type": "application/json"},
        ).status_code
        == 202
    )

    def counts():
        return {
            i["fingerprint"]: i["eventCount"]
            for i in session.get(f"{embedded.url}/api/issues", params={"appKey": app_key}).json()["issues"]
        }

    assert wait_until(lambda: counts().get("js:left-behind") == 3, timeout=30)
