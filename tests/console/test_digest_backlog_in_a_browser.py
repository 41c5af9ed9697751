"""An operator, in a real browser, reads the digest's backlog while the digest is behind:
what waits, oldest first and for how long, without the payloads (not scrubbed yet), and no
button that would drop or change what was accepted."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.services import create_project
from ingest.models import QueuedEvent
from issues.models import Source
from tests.console.conftest import PASSWORD, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "hunter2-not-scrubbed-yet"


def test_the_backlog_shows_what_waits_and_since_when_but_never_its_payload(errorhub_server, page):
    User.objects.create_superuser(email="ops@example.com", password=PASSWORD)
    project = create_project(name="Checkout")
    payload = json.dumps({"message": "checkout failed", "extra": {"password": SECRET}}).encode()
    now = timezone.now()
    # Stored as the accept path stores them, and not yet digested (as behind a stopped worker).
    QueuedEvent.objects.bulk_create(
        QueuedEvent(project=project, source=Source.SENTRY, event_id=f"{minutes:032x}",
                    received_at=now - timedelta(minutes=minutes), payload=payload)
        for minutes in (30, 5, 1)
    )  # fmt: skip
    try:
        log_in(page, errorhub_server, "ops@example.com")
        page.goto(f"{errorhub_server}/admin/ingest/queuedevent/")
        screenshot(page, "digest-backlog")

        rows = page.locator("#result_list tbody tr")
        assert rows.count() == 3
        assert "30\xa0minutes" in rows.nth(0).inner_text()
        assert rows.nth(2).inner_text().startswith(f"{1:032x}")
        assert "Checkout" in rows.nth(0).inner_text()
        assert SECRET not in page.content()
        assert page.locator("a.addlink").count() == 0
        assert page.locator("select[name=action]").count() == 0

        rows.nth(0).locator("a").first.click()
        page.wait_for_url("**/change/")
        assert f"{30:032x}" in page.content()
        assert SECRET not in page.content()
        assert page.locator("input[name=_save]").count() == 0
    finally:
        # Never digested here: the server's digest is asked only by requests that accept events.
        QueuedEvent.objects.all().delete()
