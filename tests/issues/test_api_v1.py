"""The native REST API: projects, issues, events and groups, each scoped to the token's user."""

import pytest

from issues.models import EventGroup, Issue
from tests.support.api import create_app, patch_json, post_json
from tests.support.healthguard import event, seed_batch

pytestmark = pytest.mark.django_db


def report(client, app_key, *events):
    batch = seed_batch(app_key)
    batch["events"] = [event(batch, **changes) for changes in events]
    assert post_json(client, "/api/events/batch", batch).status_code == 202


def test_projects_show_keys_dsn_and_members(owner, app_key):
    project = owner.get("/api/v1/projects/").json()["results"][0]

    assert project["app_key"] == app_key
    assert project["members"] == ["owner@example.com"]
    assert project["dsn"].startswith("http://") and project["dsn"].endswith(f"/{project['id']}")

    created = post_json(owner, "/api/v1/projects/", {"name": "Billing", "platform": "other"})
    assert created.status_code == 201
    assert created.json()["slug"] == "billing"
    bad = post_json(owner, "/api/v1/projects/", {"platform": "mainframe"})
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"name", "platform"}


def test_api_needs_a_token(client):
    response = client.get("/api/v1/issues/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_issue_filters(client, owner, app_key):
    report(
        client, app_key,
        {"eventId": "a", "environment": "production"},
        {"eventId": "b", "fingerprint": "js:two", "message": "TypeError in checkout", "environment": "test"},
    )  # fmt: skip
    checkout = Issue.objects.get(fingerprint="js:two")
    patch_json(owner, f"/api/v1/issues/{checkout.id}/", {"status": "ignored"})

    def titles(query):
        response = owner.get(f"/api/v1/issues/?{query}")
        assert response.status_code == 200, response.content
        return sorted(i["title"] for i in response.json()["results"])

    assert titles("") == ["Cannot read property 'foo' of undefined", "TypeError in checkout"]
    assert titles("status=ignored") == ["TypeError in checkout"]
    assert titles("environment=production") == ["Cannot read property 'foo' of undefined"]
    assert titles("query=checkout") == ["TypeError in checkout"]
    assert titles("source=healthguard&level=error") == titles("")
    assert titles("last_seen_after=2030-01-01T00:00:00Z") == []
    assert titles(f"project={checkout.project_id}&group={checkout.group_id}") == titles("")
    bad = owner.get("/api/v1/issues/?status=sleeping")
    assert bad.status_code == 400
    assert "status" in bad.json()["fields"]


def test_issue_list_query_count_is_bounded(client, owner, app_key, django_assert_max_num_queries):
    report(client, app_key, *({"eventId": f"e{i}", "fingerprint": f"js:{i}"} for i in range(20)))
    with django_assert_max_num_queries(4):
        assert len(owner.get("/api/v1/issues/").json()["results"]) == 20
    with django_assert_max_num_queries(4):
        assert len(owner.get("/api/v1/events/").json()["results"]) == 20
    with django_assert_max_num_queries(4):
        assert len(owner.get("/api/issues").json()["issues"]) == 20
    for name in range(5):
        post_json(owner, "/api/apps", {"name": f"app {name}"})
    with django_assert_max_num_queries(5):
        assert owner.get("/api/v1/projects/").json()["count"] == 6
    with django_assert_max_num_queries(4):
        assert owner.get("/api/v1/groups/").json()["count"] == 6
    with django_assert_max_num_queries(4):
        assert len(owner.get("/api/apps").json()["apps"]) == 6


def test_patch_changes_status_and_group_with_an_audit_trail(client, owner, app_key):
    report(client, app_key, {"eventId": "a"})
    issue = Issue.objects.get()
    group = post_json(owner, "/api/v1/groups/", {"project": issue.project_id, "name": "frontend", "info": "UI"}).json()

    resolved = patch_json(owner, f"/api/v1/issues/{issue.id}/", {"status": "resolved", "group": group["id"]})

    assert resolved.status_code == 200
    assert (resolved.json()["status"], resolved.json()["group"]) == ("resolved", group["id"])
    kinds = set(issue.activities.values_list("kind", flat=True))
    assert {"resolved", "assigned_group"} <= kinds
    ungrouped = patch_json(owner, f"/api/v1/issues/{issue.id}/", {"group": None})
    assert (ungrouped.status_code, list(ungrouped.json()["fields"])) == (400, ["group"])
    bad = patch_json(owner, f"/api/v1/issues/{issue.id}/", {"status": "fixed"})
    assert bad.status_code == 400
    assert "status" in bad.json()["fields"]


def test_groups_belong_to_a_project(client, owner, stranger, app_key):
    report(client, app_key, {"eventId": "a"})
    issue = Issue.objects.get()
    project_id = issue.project_id

    assert [g["name"] for g in owner.get("/api/v1/groups/").json()["results"]] == ["default"]
    created = post_json(owner, "/api/v1/groups/", {"project": project_id, "name": "db", "info": "database errors"})
    assert created.status_code == 201
    duplicate = post_json(owner, "/api/v1/groups/", {"project": project_id, "name": "db"})
    assert (duplicate.status_code, list(duplicate.json()["fields"])) == (400, ["name"])
    foreign = post_json(stranger, "/api/v1/groups/", {"project": project_id, "name": "mine"})
    assert (foreign.status_code, list(foreign.json()["fields"])) == (400, ["project"])

    other_project = create_app(stranger, "Other")
    other_group = EventGroup.objects.get(project__app_key=other_project)
    cross = patch_json(owner, f"/api/v1/issues/{issue.id}/", {"group": other_group.id})
    assert cross.status_code == 400

    group_id = created.json()["id"]
    assert patch_json(owner, f"/api/v1/groups/{group_id}/", {"info": "DB"}).json()["info"] == "DB"
    assert owner.delete(f"/api/v1/groups/{group_id}/").status_code == 204
    assert stranger.get(f"/api/v1/groups/{group_id}/").status_code == 404


def test_events_list_and_detail(client, owner, stranger, app_key):
    report(client, app_key, {"eventId": "a", "release": "1.2.0"})
    listed = owner.get("/api/v1/events/?release=1.2.0").json()["results"]

    assert [e["event_id"] for e in listed] == ["a"]
    detail = owner.get(f"/api/v1/events/{listed[0]['id']}/").json()
    assert detail["raw"]["eventId"] == "a"
    assert detail["issue"] == Issue.objects.get().id
    assert stranger.get(f"/api/v1/events/{listed[0]['id']}/").status_code == 404


def test_openapi_schema_and_docs_are_public(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/issues/", "/api/v1/groups/", "/api/v1/projects/", "/api/v1/events/"} <= set(paths)
    assert client.get("/api/v1/docs/").status_code == 200


def test_health_checks_the_database(client):
    assert client.get("/health").json() == {"ok": True, "service": "errorhub"}


def test_a_group_stays_in_its_project_and_the_default_group_stays(client, owner, app_key):
    report(client, app_key, {"eventId": "a"})
    issue = Issue.objects.get()
    other_project = post_json(owner, "/api/v1/projects/", {"name": "Billing"}).json()["id"]
    default = EventGroup.objects.get(project=issue.project, name="default")
    db = post_json(owner, "/api/v1/groups/", {"project": issue.project_id, "name": "db"}).json()
    patch_json(owner, f"/api/v1/issues/{issue.id}/", {"group": db["id"]})

    moved = patch_json(owner, f"/api/v1/groups/{db['id']}/", {"project": other_project, "info": "x"})
    renamed = patch_json(owner, f"/api/v1/groups/{default.id}/", {"name": "misc"})
    deleted_default = owner.delete(f"/api/v1/groups/{default.id}/")

    assert (moved.status_code, moved.json()["project"]) == (200, issue.project_id)
    assert (renamed.status_code, list(renamed.json()["fields"])) == (400, ["name"])
    assert (deleted_default.status_code, list(deleted_default.json()["fields"])) == (400, ["name"])
    assert owner.delete(f"/api/v1/groups/{db['id']}/").status_code == 204
    issue.refresh_from_db()
    assert issue.group == default
