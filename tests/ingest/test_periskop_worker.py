"""With a Celery worker, cumulative Periskop pushes are still counted once per occurrence."""

import uuid

import pytest

from ingest.selectors import digest_pending
from tests.ingest.test_periskop_push import error_with, exported, push, push_of
from tests.support.api import post_json
from tests.support.worker import wait_until

pytestmark = pytest.mark.services


def test_a_worker_digests_cumulative_pushes_counting_each_occurrence_once(client, owner, celery_worker):
    response = post_json(owner, "/api/apps", {"name": "periskop", "type": "other"})
    assert response.status_code == 201
    push_url = f"/errors?key={response.json()['app']['appKey']}"
    target = str(uuid.uuid4())
    errors = [error_with(f"n{i}", timestamp=f"2026-11-24T10:00:{i:02d}Z") for i in range(14)]
    for total in range(1, 15):
        body = push_of(target, "KeyError@worker", total, errors[:total][-10:])
        assert push(client, body, push_url).status_code == 200
        assert push(client, body, push_url).status_code == 200  # a retried push

    assert wait_until(lambda: not digest_pending())
    [aggregate] = exported(owner)["aggregated_errors"]
    assert aggregate["total_count"] == 14
    assert [e["error"]["message"] for e in aggregate["latest_errors"]] == [f"n{i}" for i in range(4, 14)]
