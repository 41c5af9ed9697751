"""Eight clients push a new name at the same moment: one project, every occurrence counted once."""

import copy
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from accounts.models import Project
from ingest.models import PeriskopCounter
from ingest.selectors import digest_pending
from issues.models import Event, Issue
from tests.conftest import load_fixture
from tests.support.worker import wait_until

CLIENTS = 8


def all_at_once(send):
    """`send(n)` from CLIENTS threads released together; returns the status codes."""
    start = threading.Barrier(CLIENTS)

    def one(n):
        start.wait()
        return send(n)

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(one, range(CLIENTS)))


def digested():
    # The worker digests (PostgreSQL leg), or gunicorn's background digester (SQLite leg).
    assert wait_until(lambda: not digest_pending(), timeout=30)


def test_eight_first_captures_of_a_new_service_make_one_project(errorhub_server):
    capture = copy.deepcopy(load_fixture("eventsum_capture.json"))
    capture["service"] = "brand-new-service"

    codes = all_at_once(lambda n: requests.post(f"{errorhub_server}/capture", json=capture, timeout=30).status_code)

    assert codes == [200] * CLIENTS
    [project] = Project.objects.filter(name__startswith="brand-new-service")
    digested()
    assert Event.objects.filter(project=project).count() == CLIENTS
    assert list(Issue.objects.filter(project=project).values_list("event_count", flat=True)) == [CLIENTS]


def test_eight_first_pushes_to_a_new_periskop_project_make_one_project_counted_once(errorhub_server):
    # Four collectors, each pushing its payload twice at once (a retry racing the original).
    collectors = [str(uuid.uuid4()) for _ in range(CLIENTS // 2)]

    def push(n):
        target = collectors[n % len(collectors)]
        error = {
            "error": {"class": "KeyError", "message": f"from {target}", "stacktrace": [], "cause": None},
            "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, target)),
            "timestamp": "2026-11-24T10:00:00Z",
            "severity": "error",
            "http_context": None,
        }
        body = {
            "target_uuid": target,
            "aggregated_errors": [{"aggregation_key": "KeyError@race", "total_count": 3, "latest_errors": [error]}],
        }
        url = f"{errorhub_server}/errors?project=race-periskop"
        return requests.post(url, data=json.dumps(body), timeout=30).status_code

    codes = all_at_once(push)

    assert codes == [200] * CLIENTS
    [project] = Project.objects.filter(name__startswith="race-periskop")
    assert PeriskopCounter.objects.filter(project=project).count() == len(collectors)
    digested()
    # Each collector counted its 3 occurrences once, however its two pushes interleaved.
    [issue] = Issue.objects.filter(project=project)
    assert issue.event_count == 3 * len(collectors)
