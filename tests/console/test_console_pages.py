"""The console's pages as an operator and as staff see them: bounded queries on seeded data,
tenancy by list and by URL, and no way for staff to grant themselves more."""

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Project, User
from alerts.models import FiveXXTask
from issues.models import Event, Issue, IssueBucket
from tests.console.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo_data", issues=60, events=600, seed=7, verbosity=0)


@pytest.fixture
def operator(client):
    User.objects.create_superuser(email="ops@example.com", password=PASSWORD)
    client.login(email="ops@example.com", password=PASSWORD)
    return client


def staff_member(client, *projects, codenames=("view_issue", "change_issue", "view_event", "view_project")):
    staff = User.objects.create_user(email="staff@example.com", password=PASSWORD, is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    for project in projects:
        project.memberships.create(user=staff)
    client.login(email="staff@example.com", password=PASSWORD)
    return staff


def test_seed_demo_data_loads_every_source(seeded):
    assert Issue.objects.count() == 60
    assert Event.objects.count() == 600
    assert set(Issue.objects.values_list("source", flat=True)) == {
        "healthguard", "periskop", "eventsum", "sentry", "sentry_webhook", "glitchtip_webhook",
    }  # fmt: skip
    issue = Issue.objects.order_by("-event_count").first()
    assert issue.event_count == sum(issue.events.values_list("count", flat=True))
    assert sum(IssueBucket.objects.filter(issue=issue).values_list("count", flat=True)) == issue.event_count
    assert issue.users_affected == issue.events.values("user").distinct().count() > 1
    assert {"environment", "release", "browser"} <= set(issue.tag_values.values_list("key", flat=True))


def test_the_stream_issue_page_and_dashboard_take_a_bounded_number_of_queries(
    seeded, operator, django_assert_max_num_queries
):
    issue = Issue.objects.order_by("-event_count").first()
    # Constant whatever the data: session, user, page, count, sparklines, filter choices.
    with django_assert_max_num_queries(14):
        stream = operator.get(reverse("admin:issues_issue_changelist"))
    with django_assert_max_num_queries(18):
        page = operator.get(reverse("admin:issues_issue_change", args=[issue.pk]))
    with django_assert_max_num_queries(12):
        event = operator.get(reverse("admin:issues_event_change", args=[issue.events.first().pk]))
    # The issue panels, then one query per kind of alert task for failed syncs.
    with django_assert_max_num_queries(16):
        dashboard = operator.get(reverse("admin:index"))

    assert stream.status_code == page.status_code == event.status_code == dashboard.status_code == 200
    assert stream.content.count(b'class="eh-spark"') == 50  # one sparkline per row of the first page
    assert issue.title.encode() in page.content and b"Last 14 days" in page.content
    assert b"Top issues, last 24 hours" in dashboard.content


def test_the_dashboard_lists_alert_tasks_whose_sync_failed(operator):
    FiveXXTask.objects.create(app="shop", slack="#ops", sync_status="failed", sync_error="connection refused")
    FiveXXTask.objects.create(app="blog", slack="#ops", sync_status="synced")
    page = operator.get(reverse("admin:index")).content.decode()
    assert "shop-5xx" in page and "connection refused" in page
    assert "blog-5xx" not in page


def test_the_stream_filters_by_last_seen_and_project(seeded, operator):
    project = Project.objects.get(slug="demo-billing")
    response = operator.get(reverse("admin:issues_issue_changelist"), {"project": project.pk, "last_seen": "24h"})
    listed = response.context["cl"].result_list
    assert listed and {issue.project_id for issue in listed} == {project.pk}


def test_the_search_box_takes_the_apis_query_tokens(seeded, operator):
    stream = reverse("admin:issues_issue_changelist")
    listed = operator.get(stream, {"q": "is:resolved source:periskop"}).context["cl"].result_list
    assert listed and {(issue.status, issue.source) for issue in listed} == {("resolved", "periskop")}

    refused = operator.get(stream, {"q": "level:loud"}, follow=True)
    assert "Cannot search for &#x27;level:loud&#x27;" in refused.content.decode()
    assert not refused.context["cl"].result_list


def test_staff_see_and_act_only_on_their_projects(seeded, client):
    mine = Project.objects.get(slug="demo-checkout-api")
    staff_member(client, mine)
    theirs = Issue.objects.exclude(project=mine).filter(status="unresolved").first()
    own = Issue.objects.filter(project=mine, status="unresolved").first()

    listed = client.get(reverse("admin:issues_issue_changelist"), {"all": ""}).context["cl"].result_list
    assert {issue.project_id for issue in listed} == {mine.pk}
    assert client.get(reverse("admin:issues_issue_change", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("admin:issues_event_change", args=[theirs.events.first().pk])).status_code == 404
    assert client.get(reverse("admin:accounts_project_change", args=[theirs.project_id])).status_code == 404
    # A bulk action naming another project's issue leaves it alone.
    client.post(reverse("admin:issues_issue_changelist"), {"action": "mark_ignored", "_selected_action": [theirs.pk]})
    client.post(reverse("admin:issues_issue_triage", args=[theirs.pk]), {"action": "mark_ignored"})
    theirs.refresh_from_db()
    assert theirs.status == "unresolved"
    assert not theirs.activities.filter(user__email="staff@example.com").exists()

    client.post(reverse("admin:issues_issue_triage", args=[own.pk]), {"action": "mark_ignored"})
    own.refresh_from_db()
    assert own.status == "ignored"
    assert own.activities.filter(kind="ignored", user__email="staff@example.com").exists()


def test_staff_cannot_delete_issues_or_manage_users(seeded, client):
    mine = Project.objects.get(slug="demo-checkout-api")
    staff = staff_member(client, mine, codenames=["view_issue", "change_issue", "delete_issue", "view_user",
                                                   "change_user", "change_group", "add_permission"])  # fmt: skip
    stream = client.get(reverse("admin:issues_issue_changelist"))
    assert "delete_selected" not in dict(stream.context["action_form"].fields["action"].choices)

    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    escalate = client.post(
        reverse("admin:accounts_user_change", args=[staff.pk]),
        {"email": staff.email, "is_active": "on", "is_staff": "on", "is_superuser": "on"},
    )
    assert escalate.status_code == 403
    staff.refresh_from_db()
    assert not staff.is_superuser
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_an_event_page_shows_the_whole_exception_chain_raised_last_first(operator):
    project = Project.objects.create(name="Shop", slug="shop", app_key="web_shop")
    frame = {
        "filename": "shop/pay.py",
        "function": "charge",
        "lineno": 3,
        "in_app": True,
        "pre_context": ["def charge():"],
        "context_line": "    raise Declined() from cause",
        "post_context": [],
    }
    event = Event.objects.create(
        project=project, event_id="e1", source="sentry", timestamp=timezone.now(), exception_type="Declined",
        data={"exceptions": [
            {"type": "ConnectionError", "value": "gateway unreachable", "frames": []},
            {"type": "Declined", "value": "card declined", "mechanism": {"type": "chained"}, "frames": [frame]},
        ]},
    )  # fmt: skip
    page = operator.get(reverse("admin:issues_event_change", args=[event.pk])).content.decode()
    assert page.index("<h3>Declined") < page.index("<h3>ConnectionError")
    assert "gateway unreachable" in page and "mechanism: chained" in page
    assert '<li class="eh-current"><span class="eh-lineno">3</span>' in page


def test_a_project_page_shows_what_to_paste_into_each_client(operator):
    project = Project.objects.create(name="Shop", slug="shop", app_key="web_shop")
    page = operator.get(reverse("admin:accounts_project_change", args=[project.pk])).content.decode()
    assert f"http://{project.sentry_key}@testserver/{project.pk}" in page  # the Sentry DSN
    assert 'appKey: "web_shop"' in page and "http://testserver/api/events/batch" in page
    assert "http://testserver/k/web_shop/capture" in page  # Eventsum
    assert 'push_to_gateway("http://testserver/k/web_shop")' in page  # Periskop
    assert f"{reverse('admin:issues_issue_changelist')}?project={project.pk}" in page
