"""A user makes named API tokens for scrapers and CI: read-only or read-write, one project's or
all, expiring or not; lists them with when each was last used, and revokes them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiToken, Project, User
from issues.models import Issue, Source
from tests.ingest.test_periskop_push import push, seed_push
from tests.issues.test_eventsum_search import WINDOW, capture
from tests.issues.test_sentry_collector_reads import deliver, event_alert
from tests.support.api import TokenClient, bearer, create_app, patch_json, post_json
from tests.support.healthguard import seed_batch

pytestmark = pytest.mark.django_db


def new_token(user_client, **body):
    response = post_json(user_client, "/api/v1/tokens/", {"name": "scraper", "scopes": ["read"], **body})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_token_is_answered_once_and_listed_without_its_secret(owner):
    created = new_token(owner, name="periskop scraper")

    assert list(created) == ["id", "name", "token", "scopes", "project", "created_at", "expires_at"]
    assert created["token"].startswith("ehapi_")
    assert (created["scopes"], created["project"], created["expires_at"]) == (["read"], None, None)
    assert not ApiToken.objects.filter(key_hash=created["token"]).exists()

    listed = owner.get("/api/v1/tokens/").json()["results"]
    assert listed == [
        {
            "id": created["id"],
            "name": "periskop scraper",
            "scopes": ["read"],
            "project": None,
            "created_at": created["created_at"],
            "expires_at": None,
            "last_used_at": None,
        }
    ]


def test_a_token_works_as_bearer_and_as_query_parameter_and_records_its_last_use(client, owner):
    token = new_token(owner)["token"]

    assert client.get("/api/v1/projects/", **bearer(token)).status_code == 200
    assert client.get(f"/api/auth/me?token={token}").json()["user"]["email"] == "owner@example.com"

    [listed] = owner.get("/api/v1/tokens/").json()["results"]
    assert listed["last_used_at"] is not None


def test_users_see_only_their_own_tokens(owner, stranger):
    created = new_token(owner)
    assert stranger.get("/api/v1/tokens/").json()["results"] == []
    assert stranger.delete(f"/api/v1/tokens/{created['id']}/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scopes": ["write"]}, "scopes"),
        ({"scopes": ["admin"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"name": ""}, "name"),
        ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "soon"}, "expires_at"),
        ({"project": 999999}, "project"),
    ],
)
def test_bad_token_requests_name_the_field(owner, body, field):
    response = post_json(owner, "/api/v1/tokens/", {"name": "ci", "scopes": ["read"], **body})
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_a_token_cannot_name_another_users_project(owner, stranger):
    other = Project.objects.get(app_key=create_app(stranger, "Theirs"))
    response = post_json(owner, "/api/v1/tokens/", {"name": "ci", "scopes": ["read"], "project": other.id})
    assert response.status_code == 400
    assert "project" in response.json()["fields"]


def test_a_read_token_may_not_write_anywhere(client, owner):
    app_key = create_app(owner, "Shop")
    project = Project.objects.get(app_key=app_key)
    post_json(client, "/api/events/batch", seed_batch(app_key))
    issue_id = owner.get("/api/v1/issues/").json()["results"][0]["id"]
    reader = TokenClient(new_token(owner)["token"])

    assert reader.get("/api/v1/issues/").status_code == 200
    refused = [
        patch_json(reader, f"/api/v1/issues/{issue_id}/", {"status": "resolved"}),
        patch_json(reader, f"/api/v1/projects/{project.id}/", {"name": "Renamed"}),
        post_json(reader, "/api/v1/projects/", {"name": "New"}),
        post_json(reader, "/api/v1/groups/", {"project": project.id, "name": "backend"}),
        post_json(reader, "/api/apps", {"name": "New", "type": "web"}),
        post_json(reader, "/assign_group", {"group_id": 1, "event_ids": [1]}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert refused[0].json() == {"detail": "This token is read-only."}
    assert refused[4].json() == {"message": "This token is read-only."}
    assert refused[5].json() == {"error": "This token is read-only."}
    assert owner.get(f"/api/v1/issues/{issue_id}/").json()["status"] == "unresolved"
    assert Project.objects.count() == 1


def test_a_read_write_token_may_write(client, owner):
    app_key = create_app(owner, "Shop")
    post_json(client, "/api/events/batch", seed_batch(app_key))
    issue_id = owner.get("/api/v1/issues/").json()["results"][0]["id"]
    writer = TokenClient(new_token(owner, scopes=["read", "write"])["token"])

    response = patch_json(writer, f"/api/v1/issues/{issue_id}/", {"status": "resolved"})
    assert response.status_code == 200
    assert response.json()["status"] == "resolved"


@pytest.fixture
def two_projects(client, owner):
    """Shop and Blog, each with one error through every wire format."""
    for name in ("Shop", "Blog"):
        app_key = create_app(owner, name)
        assert post_json(client, "/api/events/batch", seed_batch(app_key)).status_code in (200, 202)
        capture(client, service=name)
        assert deliver(client, event_alert(f"{name}-1", title=f"ValueError: {name}"), key=app_key).status_code == 201
        assert push(client, seed_push(), f"/k/{app_key}/errors").status_code == 200
    return Project.objects.get(name="Shop"), Project.objects.get(name="Blog")


def test_a_project_token_sees_only_its_project_on_every_api(client, owner, two_projects):
    shop, blog = two_projects
    token = new_token(owner, project=shop.id)
    assert token["project"] == shop.id
    scoped = TokenClient(token["token"])

    # Native API.
    assert [p["id"] for p in scoped.get("/api/v1/projects/").json()["results"]] == [shop.id]
    assert {i["project"] for i in scoped.get("/api/v1/issues/").json()["results"]} == {shop.id}
    assert {e["project"] for e in scoped.get("/api/v1/events/").json()["results"]} == {shop.id}
    assert {g["project"] for g in scoped.get("/api/v1/groups/").json()["results"]} == {shop.id}
    assert scoped.get(f"/api/v1/projects/{blog.id}/").status_code == 404
    # HealthGuard.
    assert [a["name"] for a in scoped.get("/api/apps").json()["apps"]] == ["Shop"]
    assert {i["appKey"] for i in scoped.get("/api/issues").json()["issues"]} == {shop.app_key}
    # Periskop export.
    assert scoped.get("/-/errors?project=shop").status_code == 200
    assert scoped.get("/-/errors?project=blog").status_code == 404
    # Eventsum.
    shop_bases = set(Issue.objects.filter(project=shop, source=Source.EVENTSUM).values_list("id", flat=True))
    assert shop_bases
    assert {b["id"] for b in scoped.get(f"/search?{WINDOW}").json()["events"]} == shop_bases
    # Sentry collector.
    assert [row["project"] for row in scoped.get("/errors").json()] == ["Shop"]

    # The same user's login token still sees both.
    assert {p["id"] for p in owner.get("/api/v1/projects/").json()["results"]} == {shop.id, blog.id}
    assert {row["project"] for row in owner.get("/errors").json()} == {"Shop", "Blog"}


def test_a_project_token_cannot_create_projects_or_tokens(owner, two_projects):
    shop, _ = two_projects
    scoped = TokenClient(new_token(owner, project=shop.id, scopes=["read", "write"])["token"])

    assert post_json(scoped, "/api/v1/projects/", {"name": "Elsewhere"}).status_code == 403
    assert post_json(scoped, "/api/apps", {"name": "Elsewhere", "type": "web"}).status_code == 403
    assert post_json(scoped, "/api/v1/tokens/", {"name": "wider", "scopes": ["read"]}).status_code == 403
    assert scoped.get("/api/v1/tokens/").status_code == 403


def test_an_expired_token_is_refused(client, owner):
    soon = timezone.now() + timedelta(minutes=5)
    token = new_token(owner, expires_at=soon.isoformat())
    assert token["expires_at"] is not None
    assert client.get("/api/v1/projects/", **bearer(token["token"])).status_code == 200

    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get("/api/v1/projects/", **bearer(token["token"])).status_code == 401
    assert client.get(f"/-/errors?token={token['token']}").status_code == 401


def test_a_revoked_token_is_refused_from_then_on(client, owner):
    token = new_token(owner)
    assert client.get("/api/auth/me", **bearer(token["token"])).status_code == 200

    assert owner.delete(f"/api/v1/tokens/{token['id']}/").status_code == 204

    assert client.get("/api/auth/me", **bearer(token["token"])).status_code == 401
    assert client.get("/api/v1/issues/", **bearer(token["token"])).status_code == 401
    assert owner.get("/api/v1/tokens/").json()["results"] == []


def test_logout_revokes_the_session_token_it_is_sent_with(client, owner):
    login = post_json(client, "/api/auth/login", {"email": "owner@example.com", "password": "correct-horse"})
    other_session = TokenClient(login.json()["token"])

    response = owner.post("/api/auth/logout")
    assert (response.status_code, response.json()) == (200, {"ok": True})

    assert owner.get("/api/auth/me").status_code == 401
    assert owner.post("/api/auth/logout").status_code == 401
    assert other_session.get("/api/auth/me").status_code == 200


def test_the_token_list_has_a_bounded_query_count(owner, django_assert_max_num_queries):
    for n in range(5):
        new_token(owner, name=f"ci {n}")
    with django_assert_max_num_queries(4):
        assert len(owner.get("/api/v1/tokens/").json()["results"]) == 5


def test_the_admin_shows_tokens_and_revokes_them(client, owner):
    token = new_token(owner, name="grafana")
    User.objects.create_superuser(email="ops@example.com", password="ops-password")
    client.login(email="ops@example.com", password="ops-password")

    listing = client.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200
    assert "grafana" in listing.text and "owner@example.com" in listing.text
    assert token["token"] not in listing.text

    response = client.post(f"/admin/accounts/apitoken/{token['id']}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert client.get("/api/auth/me", **bearer(token["token"])).status_code == 401
