"""A person triages in the console with a real browser: errors reported by the real sentry-sdk
to errorhub under gunicorn, found with a query, read as a stack trace, resolved with a button."""

from urllib.parse import urlsplit

import pytest
import sentry_sdk
from django.contrib.auth.models import Permission

from accounts.models import User
from accounts.services import create_project
from issues.models import Issue
from tests.console.conftest import PASSWORD, log_in, screenshot
from tests.support.sentry import sentry_reporting
from tests.support.worker import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def parse_quantity(text):
    return int(text)


class PaymentDeclined(Exception):
    pass


def charge(card):
    raise PaymentDeclined(f"card {card} declined")


def report(action, *args):
    try:
        action(*args)
    except Exception as exc:
        sentry_sdk.capture_exception(exc)


def reported_issues(server, project):
    """Two issues of `project`, reported through its DSN and digested."""
    dsn = f"http://{project.sentry_key}@{urlsplit(server).netloc}/{project.id}"
    with sentry_reporting(dsn, release="checkout@2.1.0", environment="production"):
        sentry_sdk.set_user({"id": "u-7", "email": "ada@example.com"})
        report(parse_quantity, "three")
        report(parse_quantity, "four")
        report(charge, "4000")
    assert wait_until(lambda: Issue.objects.filter(project=project).count() == 2), "the digest made no issues"
    return {issue.error_type: issue for issue in Issue.objects.filter(project=project)}


@pytest.fixture
def operator(transactional_db):
    return User.objects.create_superuser(email="ops@example.com", password=PASSWORD)


def test_find_read_and_resolve_an_issue(errorhub_server, operator, page):
    project = create_project(name="Checkout", owner=operator)
    issues = reported_issues(errorhub_server, project)

    log_in(page, errorhub_server, "ops@example.com")
    screenshot(page, "dashboard")
    assert page.locator(".eh-card").first.inner_text().startswith("3")  # events in the last 24 hours

    page.goto(f"{errorhub_server}/admin/issues/issue/")
    page.fill("#searchbar", "is:unresolved level:error environment:production invalid literal")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**/admin/issues/issue/?q=**")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "ValueError: invalid literal for int()" in rows.first.inner_text()
    assert "in parse_quantity" in rows.first.inner_text()  # the culprit under the title
    screenshot(page, "stream")

    rows.first.locator(".eh-title").click()
    assert page.locator("h1").inner_text().startswith("ValueError: invalid literal for int()")
    innermost = page.locator(".eh-frame.in-app").first
    assert "parse_quantity" in innermost.locator(".eh-function").inner_text()
    assert innermost.locator(".eh-current").inner_text().strip().endswith("return int(text)")
    assert innermost.locator(".eh-current").is_visible()
    assert page.locator(".eh-frame .eh-function", has_text="report").first.is_visible()
    innermost.locator(".eh-vars summary").click()
    assert "'four'" in innermost.locator(".eh-vars").inner_text()  # the latest event's local variables, on demand
    assert "ada@example.com" in page.locator(".eh-section", has_text="User").last.inner_text()
    screenshot(page, "issue")

    assert "new" in page.locator(".eh-header .eh-badge.new").inner_text()
    page.fill("#comments textarea", "Quantities come from the mobile form as words.")
    page.click("#comments button")
    assert "Quantities come from the mobile form as words." in page.locator("#comments").inner_text()

    page.click("button[value=mark_resolved]")
    assert "1 issue(s) marked resolved." in page.locator(".messagelist").inner_text()
    assert page.locator(".eh-header .eh-badge.resolved").is_visible()
    assert "Resolved by ops@example.com" in page.locator("#activity").inner_text()
    issues["ValueError"].refresh_from_db()
    assert issues["ValueError"].status == "resolved"

    page.click(".eh-section h2 a")  # the latest event
    assert "parse_quantity" in page.locator(".eh-frame.in-app .eh-function").first.inner_text()
    assert not page.locator(".eh-raw pre").is_visible()  # raw JSON only behind its toggle
    page.click(".eh-raw summary")
    assert '"event_id"' in page.locator(".eh-raw pre").inner_text()
    with page.expect_navigation():
        page.locator(".eh-actions a", has_text="Older event").click()
    page.locator(".eh-frame.in-app").first.wait_for()
    assert page.locator(".eh-actions a", has_text="Newer event").is_visible()
    screenshot(page, "event")


def test_bulk_merge_two_issues_from_the_stream(errorhub_server, operator, page):
    project = create_project(name="Checkout", owner=operator)
    issues = reported_issues(errorhub_server, project)

    log_in(page, errorhub_server, "ops@example.com")
    page.goto(f"{errorhub_server}/admin/issues/issue/?project={project.pk}")
    assert page.locator("#result_list tbody tr").count() == 2
    page.check("#action-toggle")  # select every row
    page.select_option("select[name=action]", "merge_issues")
    page.click("button[name=index]")
    assert "1 issue(s) merged." in page.locator(".messagelist").inner_text()
    assert page.locator("#result_list tbody tr").count() == 1  # merged issues leave the stream

    target, merged = issues["ValueError"], issues["PaymentDeclined"]  # the one with more events wins
    page.locator("#result_list .eh-title").first.click()
    assert page.locator("h1").inner_text().startswith("ValueError")
    assert "3 events" in page.locator(".eh-facts").inner_text()
    assert "Merged by ops@example.com" in page.locator("#activity").inner_text()
    page.goto(f"{errorhub_server}/admin/issues/issue/{merged.pk}/change/")
    assert page.url.endswith(f"/admin/issues/issue/{target.pk}/change/")  # the merged URL leads to its target


def test_staff_see_only_their_projects_issues(errorhub_server, operator, page):
    theirs = create_project(name="Theirs", owner=operator)
    other = reported_issues(errorhub_server, theirs)["PaymentDeclined"]
    mine = create_project(name="Mine", owner=operator)
    staff = User.objects.create_user(email="staff@example.com", password=PASSWORD, is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_issue", "change_issue"]))
    mine.memberships.create(user=staff)

    log_in(page, errorhub_server, "staff@example.com")
    page.goto(f"{errorhub_server}/admin/issues/issue/")
    assert "0 issues" in page.locator("#changelist").inner_text()
    assert "Theirs" not in page.locator("#changelist-filter").inner_text()

    response = page.goto(f"{errorhub_server}/admin/issues/issue/{other.pk}/change/")
    assert response.status == 404
    assert page.goto(f"{errorhub_server}/admin/accounts/user/").status == 403
