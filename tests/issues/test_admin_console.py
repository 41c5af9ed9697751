"""Operators triage in Django admin: every model has a working list, and actions leave an audit trail."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import User
from issues.models import Issue
from tests.support.api import post_json
from tests.support.healthguard import seed_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    User.objects.create_superuser(email="ops@example.com", password="ops-password")
    client.login(email="ops@example.com", password="ops-password")
    return client


def test_every_registered_model_has_a_list_and_a_detail_page(operator):
    post_json(operator, "/api/events/batch", seed_batch())
    for model in admin.site._registry:
        meta = model._meta
        changelist = operator.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        assert changelist.status_code == 200, meta.label
        assert operator.get(changelist.wsgi_request.path + "?q=abc").status_code == 200, meta.label
        first = model.objects.first()
        if first is not None:
            change = operator.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk]))
            assert change.status_code == 200, meta.label


def test_resolving_from_admin_goes_through_the_service(operator):
    post_json(operator, "/api/events/batch", seed_batch())
    issue = Issue.objects.get()

    response = operator.post(
        reverse("admin:issues_issue_changelist"),
        {"action": "mark_resolved", "_selected_action": [issue.pk]},
        follow=True,
    )

    assert "1 issue(s) marked resolved." in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == "resolved"
    assert issue.activities.filter(kind="resolved", user__email="ops@example.com").exists()


def test_counters_and_events_cannot_be_edited_around_the_services(operator):
    post_json(operator, "/api/events/batch", seed_batch())
    issue = Issue.objects.get()

    operator.post(reverse("admin:issues_issue_change", args=[issue.pk]), {"event_count": 99, "status": "resolved"})
    page = operator.get(reverse("admin:issues_event_change", args=[issue.events.get().pk]))

    issue.refresh_from_db()
    assert (issue.event_count, issue.status) == (1, "unresolved")
    assert b'name="count"' not in page.content  # shown, not editable
