"""The Sentry routes' accept path: payloads are queued as sent, once per event id, and the
digest turns each into one counted Event, however often a client retries (docs/architecture.md,
"Ingest path")."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from accounts.models import Project
from ingest import pipeline
from ingest.formats.sentry_envelope import parse_envelope
from ingest.models import QueuedEvent
from ingest.selectors import digest_pending
from issues.models import Event, Issue, Source
from tests.support.server import sentry_ingest_url, signed_up
from tests.support.worker import wait_until

EVENT = {
    "event_id": "7d1a2c9e4b5f4e0a9c3b2a1f0e9d8c7b",
    "exception": {"values": [{"type": "KeyError", "value": "'price'"}]},
    "request": {"headers": {"Cookie": "session=abc"}},
}


@pytest.fixture
def project(db):
    return Project.objects.create(name="Shop", platform="python")


@pytest.fixture
def undigested(monkeypatch):
    """Accepting without digesting: the digest runs when the test says so."""
    monkeypatch.setattr(pipeline, "request_digest", lambda: None)


def envelope(event):
    payload = json.dumps(event).encode()
    return parse_envelope(b"{}\n" + json.dumps({"type": "event", "length": len(payload)}).encode() + b"\n" + payload)


def test_a_retry_before_the_digest_is_queued_once_and_counted_once(project, undigested):
    for _ in range(3):
        pipeline.queue(project, Source.SENTRY, envelope(EVENT).events)

    [queued] = QueuedEvent.objects.all()
    assert queued.event_id == EVENT["event_id"]
    assert bytes(queued.payload) == json.dumps(EVENT).encode(), "kept exactly as sent"
    assert not Event.objects.exists()

    assert pipeline.digest_all() == 1
    assert not QueuedEvent.objects.exists()
    stored = Event.objects.get()
    assert (stored.digested, stored.exception_type, stored.issue.event_count) == (True, "KeyError", 1)
    assert stored.raw["request"]["headers"]["Cookie"] == "[Filtered]", "scrubbed by the digest"


def test_a_retry_after_the_digest_is_dropped_by_the_next_digest(project, undigested):
    pipeline.queue(project, Source.SENTRY, envelope(EVENT).events)
    pipeline.digest_all()

    pipeline.queue(project, Source.SENTRY, envelope(EVENT).events)
    assert QueuedEvent.objects.count() == 1
    assert pipeline.digest_all() == 1, "taken off the queue"
    assert not QueuedEvent.objects.exists()
    assert Event.objects.count() == 1
    assert Issue.objects.get().event_count == 1


def test_an_envelope_sent_eight_times_at_once_through_gunicorn_is_one_counted_event(errorhub_server):
    """What a retrying SDK meets: the same envelope, concurrently and again after the digest."""
    _, [project] = signed_up(errorhub_server, "retries@example.com")
    url = sentry_ingest_url(errorhub_server, project, endpoint="envelope")
    payload = json.dumps(EVENT).encode()
    body = b"{}\n" + json.dumps({"type": "event", "length": len(payload)}).encode() + b"\n" + payload

    def send(_):
        return requests.post(url, data=body, headers={"Content-Type": "application/x-sentry-envelope"}, timeout=30)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))
    assert [a.status_code for a in answers] == [200] * 8
    assert {a.json()["id"] for a in answers} == {EVENT["event_id"]}
    assert wait_until(lambda: not digest_pending(), timeout=20)
    assert send(0).status_code == 200
    assert wait_until(lambda: not digest_pending(), timeout=20)

    assert Event.objects.filter(event_id=EVENT["event_id"]).count() == 1
    assert Issue.objects.get(project_id=project["id"]).event_count == 1
