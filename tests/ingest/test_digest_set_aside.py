"""One event the digest cannot handle never stops the digest: its batch is retried event by
event, the event is set aside with its reason (kept, shown in the API and the admin, out of
the queue, never pruned) and every other event of every project is digested. Through the
real gunicorn server; in the PostgreSQL leg the real worker digests."""

import json
import uuid
from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Project, User
from ingest.models import QueuedEvent
from ingest.selectors import digest_pending
from issues import services
from issues.models import Event, Issue, Source
from tests.support.server import sentry_ingest_url, signed_up
from tests.support.worker import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

GOOD_EVENTS = 100


@pytest.fixture
def server(errorhub_server):
    headers, projects = signed_up(errorhub_server, "ops@example.com", ("shop", "billing"))
    return {"url": errorhub_server, "headers": headers, "projects": projects}


def store(server, project, message, **fields):
    url = sentry_ingest_url(server["url"], project)
    event = {"event_id": uuid.uuid4().hex, "message": message, **fields}
    response = requests.post(url, data=json.dumps(event), timeout=30)
    assert response.status_code == 200, response.text


@pytest.fixture
def operator(client):
    User.objects.create_superuser(email="admin@example.com", password="admin-password")
    client.login(email="admin@example.com", password="admin-password")
    return client


def unreadable_row(project):
    """A row no format writes (an older version's, or one fixed by hand): its data is not an
    object, which the digest cannot make an issue from."""
    return Event.objects.create(
        project=Project.objects.get(id=project["id"]), source=Source.SENTRY, event_id="unreadable",
        timestamp=timezone.now(), fingerprint="unreadable", data=["not", "an", "object"],
    )  # fmt: skip


def test_one_event_the_digest_cannot_handle_is_set_aside_and_every_other_is_digested(server, operator):
    shop, billing = server["projects"]
    store(server, shop, "from the far future", timestamp="9999-12-31T23:59:59.999999+00:00")
    bad = unreadable_row(shop)
    for n in range(GOOD_EVENTS):
        store(server, (shop, billing)[n % 2], f"good {n % 5}")

    assert wait_until(lambda: not digest_pending(), timeout=60), Event.objects.filter(digested=False).values_list(
        "event_id", "digest_error"
    )
    bad.refresh_from_db()
    assert not bad.digested
    assert bad.digest_error.startswith("AttributeError"), bad.digest_error
    assert Event.objects.filter(digested=True).count() == GOOD_EVENTS + 1
    counted = {p["id"]: sum(Issue.objects.filter(project_id=p["id"]).values_list("event_count", flat=True))
               for p in (shop, billing)}  # fmt: skip
    assert counted == {shop["id"]: GOOD_EVENTS // 2 + 1, billing["id"]: GOOD_EVENTS // 2}

    headers = server["headers"]
    reads = ["/api/v1/events/", f"/api/v1/events/{bad.id}/", "/api/v1/issues/", "/api/issues", "/api/overview",
             "/errors", "/search", "/-/errors?project=shop"]  # fmt: skip
    for path in reads:
        assert requests.get(server["url"] + path, headers=headers, timeout=30).status_code == 200, path
    shown = requests.get(f"{server['url']}/api/v1/events/{bad.id}/", headers=headers).json()
    assert shown["digest_error"] == bad.digest_error

    page = operator.get("/admin/issues/event/?digest=set_aside")
    assert page.status_code == 200
    assert "unreadable" in page.content.decode()
    assert escape(bad.digest_error) in operator.get(f"/admin/issues/event/{bad.id}/change/").content.decode()

    # Never counted, so never pruned: retention keeps it however old it is.
    Event.objects.filter(id=bad.id).update(received_at=timezone.now() - timedelta(days=400))
    services.prune_events(older_than_days=1)
    assert Event.objects.filter(id=bad.id).exists()


def test_a_queued_payload_the_digest_cannot_read_is_set_aside_as_an_event_and_the_others_are_grouped(server, operator):
    shop, _ = server["projects"]
    # The accept path checks what it queues; this row is one it never writes (an older
    # version's, or one edited by hand): the digest must still not stop at it.
    QueuedEvent.objects.create(
        project_id=shop["id"], source=Source.SENTRY, event_id="not-an-object", received_at=timezone.now(),
        payload=b'["not", "an", "object", {"password": "hunter2"}]',
    )  # fmt: skip
    for n in range(10):
        store(server, shop, f"good {n % 2}")

    assert wait_until(lambda: not digest_pending(), timeout=60)
    bad = Event.objects.get(event_id="not-an-object")
    assert not bad.digested
    assert bad.digest_error == "PayloadError: event: Expected a JSON object"
    # Kept as received, scrubbed like every stored payload.
    assert bad.raw == ["not", "an", "object", {"password": "[Filtered]"}]
    assert Event.objects.filter(digested=True).count() == 10
    assert sum(Issue.objects.values_list("event_count", flat=True)) == 10
    assert not QueuedEvent.objects.exists()
    assert "not-an-object" in operator.get("/admin/issues/event/?digest=set_aside").content.decode()
