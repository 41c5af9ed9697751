"""Administrators set each project's quotas in the API and the admin; the environment sets the
defaults. (What a client meets over quota: tests/ingest/test_quotas.py.)"""

import pytest
from django.urls import reverse

from accounts.models import Project, User
from accounts.tokens import issue_token
from errorhub import counters
from tests.support.api import TokenClient, patch_json, post_json
from tests.support.healthguard import seed_batch

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counters():
    counters.store().clear()


@pytest.fixture
def administrator():
    return User.objects.create_superuser("ops@example.com", "correct-horse")


def test_only_an_administrator_changes_a_projects_quotas_in_the_api(owner, administrator):
    project = post_json(owner, "/api/v1/projects/", {"name": "Shop"}).json()
    assert (project["events_per_minute"], project["events_per_hour"], project["rejected_events"]) == (None, None, 0)
    url = f"/api/v1/projects/{project['id']}/"

    refused = patch_json(owner, url, {"events_per_minute": 0})
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only an administrator may set events_per_minute."}
    assert patch_json(owner, url, {"name": "Shop EU"}).status_code == 200

    admin = TokenClient(issue_token(administrator))
    changed = patch_json(admin, url, {"events_per_minute": 600, "events_per_hour": 10000})
    assert changed.status_code == 200, changed.content
    assert owner.get(url).json()["events_per_minute"] == 600
    assert Project.objects.get(pk=project["id"]).events_per_hour == 10000
    assert patch_json(admin, url, {"events_per_minute": -1}).status_code == 400


def test_an_administrator_sets_quotas_in_the_admin_and_sees_the_refusals(client, administrator):
    project = Project.objects.create(name="Shop", slug="shop", app_key="web_shop")
    Project.objects.filter(pk=project.pk).update(rejected_events=7)
    client.force_login(administrator)
    change_url = reverse("admin:accounts_project_change", args=[project.pk])

    page = client.get(change_url)
    assert page.status_code == 200
    assert "events rejected over quota" in page.text.lower()
    assert ">7<" in page.text.replace(" ", "").replace("\n", "")

    form = {
        "name": "Shop", "slug": "shop", "platform": "web", "app_key": "web_shop",
        "events_per_minute": "120", "events_per_hour": "",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    }  # fmt: skip
    assert client.post(change_url, form).status_code == 302
    project.refresh_from_db()
    assert (project.events_per_minute, project.events_per_hour) == (120, None)


def test_the_environment_sets_every_projects_default(client, settings):
    settings.ERRORHUB_PROJECT_EVENTS_PER_MINUTE = 1
    batch = seed_batch()
    assert post_json(client, "/api/events/batch", batch).status_code == 202
    batch["events"][0]["eventId"] = "another-event"
    refused = post_json(client, "/api/events/batch", batch)
    assert refused.status_code == 429
    assert refused.json()["code"] == "QUOTA_EXCEEDED"

    # A project's own value wins over the default: 0 is no limit.
    Project.objects.filter(app_key=batch["appKey"]).update(events_per_minute=0)
    assert post_json(client, "/api/events/batch", batch).status_code == 202
