"""Operators triage in Django admin: every model has a working list, and actions leave an audit trail."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import Project, User
from issues.models import Event, EventGroup, Issue
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


def test_a_project_added_in_the_admin_has_its_default_group(operator):
    response = operator.post(
        reverse("admin:accounts_project_add"),
        {"name": "Billing", "slug": "billing", "platform": "python", "app_key": "python_billing",
         "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    project = Project.objects.get(slug="billing")
    assert list(project.groups.values_list("name", flat=True)) == ["default"]


def test_the_default_group_cannot_be_deleted_or_renamed_in_the_admin(operator):
    post_json(operator, "/api/events/batch", seed_batch())
    default = EventGroup.objects.get(name="default")
    other = EventGroup.objects.create(project=default.project, name="payments")
    issue = Issue.objects.get()
    issue.group = other
    issue.save()

    assert operator.get(reverse("admin:issues_eventgroup_delete", args=[default.pk])).status_code == 403
    renamed = operator.post(reverse("admin:issues_eventgroup_change", args=[default.pk]), {"name": "x", "info": ""})
    assert renamed.status_code == 200 and "The default group cannot be renamed." in renamed.content.decode()

    def delete_selected(*groups):
        return operator.post(
            reverse("admin:issues_eventgroup_changelist"),
            {"action": "delete_selected", "_selected_action": [g.pk for g in groups], "post": "yes"},
        )

    assert delete_selected(default, other).status_code == 403
    assert EventGroup.objects.count() == 2
    assert delete_selected(other).status_code == 302
    assert list(EventGroup.objects.values_list("name", flat=True)) == ["default"]
    issue.refresh_from_db()
    assert issue.group == default


def test_the_dashboard_shows_events_the_digest_set_aside(operator):
    post_json(operator, "/api/events/batch", seed_batch())
    event = Event.objects.get()
    Event.objects.filter(pk=event.pk).update(
        digested=False, digest_error="AttributeError: 'list' object has no attribute 'get'"
    )

    dashboard = operator.get(reverse("admin:index")).content.decode()

    assert "Events set aside by the digest" in dashboard
    assert "AttributeError: &#x27;list&#x27; object has no attribute &#x27;get&#x27;" in dashboard
    assert reverse("admin:issues_event_change", args=[event.pk]) in dashboard
