"""Quotas: over its events per minute or hour, or the installation's cap, a project's reporters
get 429 with Retry-After (Sentry SDKs also X-Sentry-Rate-Limits, and back off), nothing refused
is stored, and each project shows how many events it had refused.

Through gunicorn, as clients meet it. Without Redis each process counts on its own, so the SQLite
leg serves with one worker; with Redis two workers share the counters.
"""

import re
import time
import uuid

import pytest
import requests
import sentry_sdk
from django.conf import settings

from accounts.models import Project, User
from accounts.tokens import issue_token
from errorhub import counters
from ingest.selectors import digest_pending
from issues.models import Event
from tests.conftest import load_fixture
from tests.support.api import post_json
from tests.support.healthguard import seed_batch
from tests.support.sentry import sentry_reporting
from tests.support.server import free_port, serving, start_gunicorn, stop
from tests.support.worker import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

ENVELOPE = "application/x-sentry-envelope"
RELAY_LIMIT = re.compile(r"^(\d+):error:(project|organization):quota_exceeded$")


def _start(tmp_path_factory, name, **env):
    log = tmp_path_factory.mktemp(name) / "gunicorn.log"
    workers = "2" if settings.ERRORHUB_COUNTERS_REDIS_URL else "1"
    process, url = start_gunicorn(log, extra_env=env, extra_args=["--workers", workers])
    process.log_path, process.url = log, url
    return process


@pytest.fixture(scope="module")
def quota_process(django_db_setup, tmp_path_factory):
    process = _start(tmp_path_factory, "quotas")
    yield process
    stop(process)


@pytest.fixture(scope="module")
def capped_process(django_db_setup, tmp_path_factory):
    process = _start(tmp_path_factory, "capped", ERRORHUB_INSTALLATION_EVENTS_PER_MINUTE="3")
    yield process
    stop(process)


@pytest.fixture(autouse=True)
def fresh_counters(transactional_db):
    # Redis outlives a test run, and the project ids of a fresh database come back.
    counters.store().clear()


@pytest.fixture
def server(request, quota_process):
    with serving(request, quota_process):
        yield quota_process


@pytest.fixture
def capped_server(request, capped_process):
    with serving(request, capped_process):
        yield capped_process


class Api(requests.Session):
    """The native API over HTTP with one user's token."""

    def __init__(self, server, user):
        super().__init__()
        self.url = server.url
        self.headers["Authorization"] = f"Bearer {issue_token(user)}"

    def new_project(self, name="Shop", **quotas):
        response = self.post(f"{self.url}/api/v1/projects/", json={"name": name, **quotas})
        assert response.status_code == 201, response.text
        return response.json()

    def project(self, project_id):
        response = self.get(f"{self.url}/api/v1/projects/{project_id}/")
        assert response.status_code == 200, response.text
        return response.json()


def administrator():
    return User.objects.create_superuser("ops@example.com", "correct-horse")


def sentry_key(project):
    return project["dsn"].split("//", 1)[1].split("@", 1)[0]


def envelope(number):
    event_id = f"{number:032x}"
    return (
        f'{{"event_id":"{event_id}"}}\n{{"type":"event"}}\n'
        f'{{"event_id":"{event_id}","exception":{{"values":[{{"type":"KeyError","value":"sku"}}]}}}}\n'
    ).encode()


def post_envelope(url, project, number):
    return requests.post(
        f"{url}/api/{project['id']}/envelope/?sentry_key={sentry_key(project)}",
        data=envelope(number),
        headers={"Content-Type": ENVELOPE},
    )


def stored(project):
    """Events the project has, once the digest has taken every accepted one."""
    assert wait_until(lambda: not digest_pending(), timeout=20)
    return Event.objects.filter(project_id=project["id"]).count()


def access_log(server, path, expected):
    """Statuses of the requests to `path` in gunicorn's access log (written just after answering)."""
    deadline = time.monotonic() + 5
    while True:
        lines = [line for line in server.log_path.read_text().splitlines() if f'"POST {path} ' in line]
        if len(lines) >= expected or time.monotonic() > deadline:
            return [line.split('" ', 1)[1].split()[0] for line in lines]
        time.sleep(0.05)


def test_over_its_quota_a_sentry_route_answers_429_with_both_headers(server):
    admin = Api(server, administrator())
    project = admin.new_project(events_per_minute=2)
    assert project["events_per_minute"] == 2
    assert [post_envelope(server.url, project, n).status_code for n in (1, 2)] == [200, 200]

    refused = post_envelope(server.url, project, 3)
    assert refused.status_code == 429
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert RELAY_LIMIT.match(refused.headers["X-Sentry-Rate-Limits"]).groups() == (str(retry_after), "project")
    # Browser SDKs can read them: the CORS headers are on the refusal too.
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Sentry-Rate-Limits" in refused.headers["Access-Control-Expose-Headers"]
    assert "quota of 2 events per minute" in refused.json()["detail"]

    store = requests.post(
        f"{server.url}/api/{project['id']}/store/?sentry_key={sentry_key(project)}",
        json={"event_id": "f" * 32, "message": "from /store/"},
    )
    assert store.status_code == 429
    assert RELAY_LIMIT.match(store.headers["X-Sentry-Rate-Limits"])

    assert stored(project) == 2
    assert admin.project(project["id"])["rejected_events"] == 2


def test_the_real_sentry_sdk_backs_off_after_a_429(server):
    admin = Api(server, administrator())
    project = admin.new_project(events_per_minute=2)
    with sentry_reporting(project["dsn"], send_client_reports=False):
        for n in range(6):
            try:
                raise ValueError(f"bad quantity {n}")
            except ValueError:
                sentry_sdk.capture_exception()
            sentry_sdk.flush(timeout=10)

    # Two accepted, one refused; the SDK dropped the other three itself, as Retry-After says.
    assert access_log(server, f"/api/{project['id']}/envelope/", expected=3) == ["200", "200", "429"]
    assert stored(project) == 2
    assert admin.project(project["id"])["rejected_events"] == 1


def healthguard_batch(app_key, events):
    batch = seed_batch(app_key)
    [seed] = batch["events"]
    batch["events"] = [{**seed, "eventId": str(uuid.uuid4())} for _ in range(events)]
    return batch


def test_an_hourly_quota_refuses_a_batch_whole_and_takes_one_that_fits(server):
    admin = Api(server, administrator())
    project = admin.new_project(events_per_hour=3)
    batches = f"{server.url}/api/events/batch"

    assert requests.post(batches, json=healthguard_batch(project["app_key"], 2)).json() == {"accepted": 2}
    refused = requests.post(batches, json=healthguard_batch(project["app_key"], 2))
    assert refused.status_code == 429
    retry_after = refused.headers["Retry-After"]
    assert refused.json() == {
        "message": f"This project's quota of 3 events per hour is used up; retry after {retry_after} s",
        "code": "QUOTA_EXCEEDED",
    }
    assert 60 < int(refused.headers["Retry-After"]) <= 3600
    assert requests.post(batches, json=healthguard_batch(project["app_key"], 1)).status_code == 202

    assert stored(project) == 3
    assert admin.project(project["id"])["rejected_events"] == 2


def glitchtip_notification():
    return {
        "alias": "GlitchTip",
        "text": "GlitchTip Alert",
        "attachments": [{"title": "KeyError: 'sku'", "title_link": "https://glitchtip.example.com/acme/issues/52"}],
    }


def test_every_surface_answers_429_in_its_own_shape_with_retry_after(server):
    admin = Api(server, administrator())
    project = admin.new_project(events_per_minute=1)
    keyed = f"{server.url}/k/{project['app_key']}"
    assert requests.post(f"{keyed}/capture", json=load_fixture("eventsum_capture.json")).status_code == 200

    refusals = {
        "HealthGuard batch": requests.post(
            f"{server.url}/api/events/batch", json=healthguard_batch(project["app_key"], 1)
        ),
        "Eventsum capture": requests.post(f"{keyed}/capture", json=load_fixture("eventsum_capture.json")),
        "Periskop push": requests.post(f"{keyed}/errors", json=load_fixture("periskop_push.json")),
        "GlitchTip webhook": requests.post(f"{keyed}/glitchtip/webhook", json=glitchtip_notification()),
    }
    assert {surface: r.status_code for surface, r in refusals.items()} == dict.fromkeys(refusals, 429)
    assert all(1 <= int(r.headers["Retry-After"]) <= 60 for r in refusals.values())
    message = refusals["HealthGuard batch"].json()["message"]
    assert message.startswith("This project's quota of 1 events per minute is used up")
    assert refusals["Eventsum capture"].json() == {"error": message}
    assert refusals["Periskop push"].json() == {"error": message}
    assert refusals["GlitchTip webhook"].json() == {"detail": message}

    assert stored(project) == 1
    assert admin.project(project["id"])["rejected_events"] == 4


def test_the_installation_cap_covers_every_project(capped_server):
    admin = Api(capped_server, administrator())
    shop, billing = admin.new_project("Shop"), admin.new_project("Billing")
    assert [post_envelope(capped_server.url, shop, n).status_code for n in (1, 2)] == [200, 200]
    assert post_envelope(capped_server.url, billing, 3).status_code == 200

    refused = post_envelope(capped_server.url, billing, 4)
    assert refused.status_code == 429
    assert RELAY_LIMIT.match(refused.headers["X-Sentry-Rate-Limits"]).group(2) == "organization"
    assert "installation's quota of 3 events per minute" in refused.json()["detail"]
    assert post_envelope(capped_server.url, shop, 5).status_code == 429

    assert (stored(shop), stored(billing)) == (2, 1)
    assert (admin.project(shop["id"])["rejected_events"], admin.project(billing["id"])["rejected_events"]) == (1, 1)


def test_while_redis_is_away_events_are_admitted_uncounted(client, monkeypatch):
    # A Redis that does not answer (nothing listens on a fresh free port).
    monkeypatch.setattr(counters, "_store", counters.RedisCounters(f"redis://127.0.0.1:{free_port()}/0"))
    project = Project.objects.create(name="Shop", slug="shop", app_key="web_shop", events_per_minute=1)

    statuses = [
        post_json(client, "/api/events/batch", healthguard_batch(project.app_key, 1)).status_code for _ in "abc"
    ]
    assert statuses == [202, 202, 202]
    assert Event.objects.filter(project=project).count() == 3
