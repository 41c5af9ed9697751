"""Every list answers a bounded page: a larger ?limit= gets the maximum (not an error, not
the whole table) and an offset past the end is answered from one COUNT."""

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Project
from errorhub.pagination import MAX_PAGE_SIZE
from ingest import selectors as ingest_selectors
from ingest.surfaces.eventsum.reads import MAX_LIMIT as MAX_SEARCH_LIMIT
from ingest.surfaces.sentry_webhooks.collector import MAX_ERROR_LIST_LIMIT
from issues.models import Event, Source
from tests.support.api import create_app

pytestmark = pytest.mark.django_db


def stored_events(project, n, source=Source.SENTRY):
    now = timezone.now()
    Event.objects.bulk_create(
        Event(project=project, source=source, event_id=f"e{i}", timestamp=now - timedelta(seconds=i), digested=True)
        for i in range(n)
    )


def test_a_native_list_asked_for_more_than_the_maximum_gets_the_maximum(owner):
    project = Project.objects.get(app_key=create_app(owner, "Shop"))
    stored_events(project, MAX_PAGE_SIZE + 1)

    page = owner.get("/api/v1/events/?limit=99999999999999999999").json()

    assert page["count"] == MAX_PAGE_SIZE + 1
    assert len(page["results"]) == MAX_PAGE_SIZE
    assert f"limit={MAX_PAGE_SIZE}&offset={MAX_PAGE_SIZE}" in page["next"]


def test_an_offset_past_the_end_is_one_count(owner, django_assert_max_num_queries):
    project = Project.objects.get(app_key=create_app(owner, "Shop"))
    stored_events(project, 3)

    with django_assert_max_num_queries(3):
        page = owner.get("/api/v1/events/?offset=99999999999999999999").json()

    assert page["count"] == 3
    assert page["results"] == []


def test_legacy_lists_give_their_maximum_to_larger_asks(owner):
    project = Project.objects.get(app_key=create_app(owner, "Shop"))
    stored_events(project, MAX_ERROR_LIST_LIMIT + 1, source=Source.SENTRY_WEBHOOK)

    rows = owner.get("/errors?limit=99999999999999999999")
    assert rows.status_code == 200
    assert len(rows.json()) == MAX_ERROR_LIST_LIMIT

    search = owner.get(f"/search?limit={MAX_SEARCH_LIMIT * 10}")
    assert search.status_code == 200, search.content
    assert owner.get("/tasks/5xx?limit=99999999999999999999").status_code in (200, 403)


def test_the_periskop_export_holds_the_most_recently_seen_keys(client, owner, monkeypatch):
    push_url = f"/errors?key={create_app(owner, 'periskop', type='other')}"
    monkeypatch.setattr(ingest_selectors, "MAX_PERISKOP_AGGREGATES", 2)
    for n, key in enumerate(("old", "middle", "new")):
        error = {
            "error": {"class": "KeyError", "message": key, "stacktrace": [], "cause": None},
            "uuid": str(uuid.uuid4()),
            "timestamp": f"2026-11-24T10:0{n}:00Z",
            "severity": "error",
            "http_context": None,
        }
        push = {
            "target_uuid": str(uuid.uuid4()),
            "aggregated_errors": [{"aggregation_key": key, "total_count": 1, "latest_errors": [error]}],
        }
        assert client.post(push_url, json.dumps(push), content_type="application/json").status_code == 200

    exported = owner.get("/-/errors").json()["aggregated_errors"]

    assert [aggregate["aggregation_key"] for aggregate in exported] == ["middle", "new"]
