"""An event dated past any clock (year 9999, even 9999-12-31T23:59:59-14:00, which is year
10000 in UTC) or before 1970 is accepted on every surface and dated at its arrival, its own
time kept in its data, as Relay does; nothing downstream (digest, time buckets, reads) then
meets a date it cannot compute with. Through the real gunicorn server."""

import json
import uuid
from datetime import datetime, timedelta

import pytest
import requests
from django.utils import timezone

from ingest.selectors import digest_pending
from issues.models import Event
from tests.conftest import load_fixture
from tests.support.healthguard import event, seed_batch
from tests.support.server import sentry_ingest_url, signed_up
from tests.support.worker import stored_event, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

FAR_FUTURE = ("9999-12-31T23:59:59.999999+00:00", "9999-12-31T23:59:59-14:00")
BEFORE_1970 = "1969-12-31T23:59:59Z"


@pytest.fixture
def server(errorhub_server):
    headers, [project] = signed_up(errorhub_server, "clock@example.com")
    return {"url": errorhub_server, "headers": headers, "project": project}


def envelope(server, stamp):
    event_id = uuid.uuid4().hex
    body = "\n".join(
        json.dumps(line)
        for line in ({"event_id": event_id}, {"type": "event"}, {"event_id": event_id, "timestamp": stamp})
    )
    return requests.post(sentry_ingest_url(server["url"], server["project"], "envelope"), data=body), event_id


def store(server, stamp):
    event_id = uuid.uuid4().hex
    url = sentry_ingest_url(server["url"], server["project"])
    return requests.post(url, json={"event_id": event_id, "timestamp": stamp, "message": "late"}), event_id


def periskop(server, stamp):
    error_id = str(uuid.uuid4())
    error = {"error": {"class": "KeyError", "message": "m", "stacktrace": [], "cause": None}, "uuid": error_id,
             "timestamp": stamp, "severity": "error", "http_context": None}  # fmt: skip
    push = {"target_uuid": str(uuid.uuid4()),
            "aggregated_errors": [{"aggregation_key": "k", "total_count": 1, "latest_errors": [error]}]}  # fmt: skip
    return requests.post(f"{server['url']}/errors?project=clocks", data=json.dumps(push)), error_id


def sentry_webhook(server, stamp):
    event_id = uuid.uuid4().hex
    delivery = {"action": "triggered", "data": {"event": {"event_id": event_id, "title": "late", "project": 1,
                "datetime": stamp, "timestamp": stamp}}}  # fmt: skip
    headers = {"Sentry-Hook-Resource": "event_alert"}
    return requests.post(f"{server['url']}/sentry/webhook", json=delivery, headers=headers), event_id


def eventsum(server, stamp):
    capture = {**load_fixture("eventsum_capture.json"), "timestamp": stamp.replace("T", " ")[:19]}
    before = set(Event.objects.values_list("event_id", flat=True))
    response = requests.post(f"{server['url']}/capture", json=capture)
    [event_id] = set(Event.objects.values_list("event_id", flat=True)) - before
    return response, event_id


def healthguard(server, stamp):
    batch = seed_batch("clock-app")
    late = event(
        batch,
        eventId=str(uuid.uuid4()),
        timestamp=int(datetime.fromisoformat(stamp).replace(microsecond=0).timestamp()) * 1000,
    )
    batch["events"] = [late]
    return requests.post(f"{server['url']}/api/events/batch", json=batch), late["eventId"]


SURFACES = [envelope, store, periskop, sentry_webhook, eventsum, healthguard]


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.__name__)
def test_a_time_past_any_clock_or_before_1970_is_dated_at_arrival(server, surface):
    stamps = [*FAR_FUTURE, BEFORE_1970] if surface not in (eventsum, healthguard) else [FAR_FUTURE[0], BEFORE_1970]
    for stamp in stamps:
        before = timezone.now()
        response, event_id = surface(server, stamp)
        assert 200 <= response.status_code < 300, (stamp, response.status_code, response.text)

        stored = stored_event(event_id)
        assert before <= stored.timestamp <= timezone.now(), stamp
        assert stored.timestamp == stored.received_at
        assert stored.data["original_timestamp"][:4] in ("9999", "1969"), stored.data

    wait_until(lambda: not digest_pending(), timeout=20)
    assert not digest_pending()
    for path in ("/api/v1/events/", "/api/v1/issues/", "/api/issues", "/api/overview"):
        assert requests.get(server["url"] + path, headers=server["headers"]).status_code == 200, path


def test_a_time_within_a_minute_ahead_is_kept(server):
    soon = (timezone.now() + timedelta(seconds=30)).isoformat()
    response, event_id = store(server, soon)
    assert response.status_code == 200

    stored = stored_event(event_id)
    assert stored.timestamp.isoformat() == soon
    assert "original_timestamp" not in stored.data
