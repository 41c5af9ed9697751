"""The Sentry routes' accept path: payloads are queued as sent, once per event id, and the
digest turns each into one counted Event, however often a client retries (docs/architecture.md,
"Ingest path")."""

import json

import pytest

from accounts.models import Project
from ingest import pipeline
from ingest.formats.sentry_envelope import parse_envelope
from ingest.models import QueuedEvent
from issues.models import Event, Issue, Source

pytestmark = pytest.mark.django_db

EVENT = {
    "event_id": "7d1a2c9e4b5f4e0a9c3b2a1f0e9d8c7b",
    "exception": {"values": [{"type": "KeyError", "value": "'price'"}]},
    "request": {"headers": {"Cookie": "session=abc"}},
}


@pytest.fixture
def project():
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
