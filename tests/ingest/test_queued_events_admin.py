"""Operators see the digest's backlog in the admin (events accepted and not yet digested,
oldest first, for how long), never their payloads, which the digest has not scrubbed yet,
and cannot drop or edit what was accepted."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Project, User
from ingest.models import QueuedEvent
from issues.models import Source

pytestmark = pytest.mark.django_db

SECRET = "hunter2-not-scrubbed-yet"


@pytest.fixture
def operator(client):
    User.objects.create_superuser(email="ops@example.com", password="ops-password")
    client.login(email="ops@example.com", password="ops-password")
    return client


def queued(project, count):
    payload = json.dumps({"message": "checkout failed", "extra": {"password": SECRET}}).encode()
    QueuedEvent.objects.bulk_create(
        QueuedEvent(
            project=project, source=Source.SENTRY, event_id=f"{project.pk}-{n:032x}",
            received_at=timezone.now(), payload=payload,
        )
        for n in range(count)
    )  # fmt: skip


def test_the_backlog_is_listed_oldest_first_without_payloads(operator):
    queued(Project.objects.create(name="Shop", slug="shop", app_key="shop"), 3)
    first = QueuedEvent.objects.order_by("id").first()

    listing = operator.get(reverse("admin:ingest_queuedevent_changelist"))
    detail = operator.get(reverse("admin:ingest_queuedevent_change", args=[first.pk]))

    assert listing.status_code == detail.status_code == 200
    page = listing.content.decode()
    assert "3 queued events" in page
    assert page.index(first.event_id) < page.index(QueuedEvent.objects.order_by("id").last().event_id)
    assert first.event_id in detail.content.decode()
    assert SECRET not in page + detail.content.decode()


def test_queued_events_cannot_be_added_edited_or_deleted(operator):
    queued(Project.objects.create(name="Shop", slug="shop", app_key="shop"), 1)
    row = QueuedEvent.objects.get()

    assert operator.get(reverse("admin:ingest_queuedevent_add")).status_code == 403
    assert operator.get(reverse("admin:ingest_queuedevent_delete", args=[row.pk])).status_code == 403
    operator.post(reverse("admin:ingest_queuedevent_change", args=[row.pk]), {"event_id": "other"})
    bulk_delete = {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    operator.post(reverse("admin:ingest_queuedevent_changelist"), bulk_delete)

    row.refresh_from_db()
    assert row.event_id.startswith(f"{row.project_id}-")


def test_the_backlog_list_runs_the_same_queries_for_3_or_60_events(operator, django_assert_max_num_queries):
    shop, billing = (
        Project.objects.create(name="Shop", slug="shop", app_key="shop"),
        Project.objects.create(name="Billing", slug="billing", app_key="billing"),
    )
    queued(shop, 3)
    url = reverse("admin:ingest_queuedevent_changelist")
    operator.get(url)
    with django_assert_max_num_queries(12) as few:
        operator.get(url)
    queued(billing, 57)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert operator.get(url).status_code == 200
