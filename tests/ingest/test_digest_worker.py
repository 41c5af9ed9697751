"""With a broker configured, accepted events are digested by a real Celery worker."""

import pytest

from ingest.selectors import digest_pending
from issues.models import Issue
from tests.support.api import create_app, post_json
from tests.support.healthguard import event, seed_batch
from tests.support.worker import wait_until

pytestmark = pytest.mark.services


def test_a_worker_on_redis_digests_posted_events_into_issues(client, owner, celery_worker):
    app_key = create_app(owner)
    batch = seed_batch(app_key)
    for round_number in range(3):
        batch["events"] = [event(batch, eventId=f"r{round_number}-{i}", fingerprint=f"js:{i % 2}") for i in range(10)]
        assert post_json(client, "/api/events/batch", batch).json() == {"accepted": 10}
    # A retried batch is stored once and counted once.
    post_json(client, "/api/events/batch", batch)

    assert wait_until(lambda: not digest_pending())
    counts = dict(Issue.objects.values_list("fingerprint", "event_count"))
    assert counts == {"js:0": 15, "js:1": 15}
    assert sorted(i["eventCount"] for i in owner.get("/api/issues").json()["issues"]) == [15, 15]


def test_concurrent_digests_count_every_event_exactly_once(client, owner, celery_worker):
    """The worker and three more digesters race over the same queue; SKIP LOCKED splits it."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from ingest.pipeline import digest_all

    app_key = create_app(owner)
    batch = seed_batch(app_key)
    for round_number in range(12):
        batch["events"] = [event(batch, eventId=f"c{round_number}-{i}", fingerprint=f"js:{i % 5}") for i in range(50)]
        post_json(client, "/api/events/batch", batch)

    def digest_in_thread():
        try:
            return digest_all()
        finally:
            connection.close()

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: digest_in_thread(), range(3)))

    assert wait_until(lambda: not digest_pending())
    assert dict(Issue.objects.values_list("fingerprint", "event_count")) == {f"js:{i}": 120 for i in range(5)}
    assert sum(Issue.objects.values_list("buckets__count", flat=True)) == 600
