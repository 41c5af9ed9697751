"""People register, log in, and use one token everywhere; admins log in by email too."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import SessionToken
from tests.support.api import TokenClient, bearer, post_json, register

pytestmark = pytest.mark.django_db


def test_register_login_and_me(client):
    registered = post_json(client, "/api/auth/register", {"email": "  Ada@Example.com ", "password": "long-enough"})
    assert registered.status_code == 201
    body = registered.json()
    assert body["token"].startswith("session_")
    assert body["user"]["email"] == "ada@example.com"
    assert body["user"]["id"].startswith("user_")

    login = post_json(client, "/api/auth/login", {"email": "ada@example.com", "password": "long-enough"})
    assert login.status_code == 200
    me = client.get("/api/auth/me", **bearer(login.json()["token"]))
    assert me.json() == {"user": body["user"]}


def test_tokens_are_stored_hashed(client):
    token = register(client)
    assert not SessionToken.objects.filter(key_hash=token).exists()
    assert SessionToken.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"email": "not-an-email", "password": "long-enough"}, 400, "INVALID_EMAIL"),
        ({"email": "a@b.co", "password": "short"}, 400, "PASSWORD_TOO_SHORT"),
        ({"email": 7, "password": "long-enough"}, 400, "INVALID_EMAIL"),
        ({"password": "long-enough"}, 400, "INVALID_EMAIL"),
        ({"email": "owner@example.com", "password": "long-enough"}, 409, "EMAIL_ALREADY_REGISTERED"),
    ],
)
def test_register_refuses_bad_input(client, body, status, code):
    register(client, "owner@example.com")
    response = post_json(client, "/api/auth/register", body)
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_register_refuses_non_json(client):
    response = post_json(client, "/api/auth/register", "email=a")
    assert response.status_code == 400
    assert response.json()["field"] == "body"


def test_wrong_password_is_refused(client):
    register(client, "owner@example.com", "correct-horse")
    response = post_json(client, "/api/auth/login", {"email": "owner@example.com", "password": "wrong-horse"})
    assert response.status_code == 401
    assert response.json() == {"code": "INVALID_CREDENTIALS", "message": "Email or password is incorrect."}


def test_registration_can_be_closed(client, settings):
    settings.ERRORHUB_OPEN_REGISTRATION = False
    response = post_json(client, "/api/auth/register", {"email": "a@b.co", "password": "long-enough"})
    assert response.status_code == 403


def test_expired_tokens_are_refused(client):
    token = register(client)
    SessionToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/auth/me", **bearer(token)).status_code == 401
    assert client.get("/api/v1/projects/", **bearer(token)).status_code == 401


def test_createsuperuser_admin_logs_in_by_email_and_reads_every_project(client, owner, monkeypatch):
    post_json(owner, "/api/apps", {"name": "Someone else's app", "type": "web"})
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "admin-password")
    call_command("createsuperuser", "--noinput", email="Root@Example.com", verbosity=0)

    login = post_json(client, "/api/auth/login", {"email": "root@example.com", "password": "admin-password"})

    assert login.status_code == 200, login.content
    admin = TokenClient(login.json()["token"])
    assert [p["name"] for p in admin.get("/api/v1/projects/").json()["results"]] == ["Someone else's app"]
    assert owner.get("/api/v1/projects/").json()["count"] == 1
    assert admin.get("/admin/").status_code == 302  # the token is for the API; admin uses its own login


def test_ensure_admin_command_creates_the_admin_from_the_environment(client, monkeypatch):
    monkeypatch.setenv("ERRORHUB_ADMIN_EMAIL", "ops@example.com")
    monkeypatch.setenv("ERRORHUB_ADMIN_PASSWORD", "ops-password")
    call_command("ensure_admin")
    call_command("ensure_admin")

    assert client.login(email="ops@example.com", password="ops-password")
    assert client.get("/admin/issues/issue/").status_code == 200


def test_apps_are_listed_newest_first_and_validated(owner):
    post_json(owner, "/api/apps", {"name": "first"})
    created = post_json(owner, "/api/apps", {"name": "second", "type": "flutter"}).json()["app"]

    assert created["appKey"].startswith("flutter_")
    assert [a["name"] for a in owner.get("/api/apps").json()["apps"]] == ["second", "first"]
    missing = post_json(owner, "/api/apps", {"type": "web"})
    assert (missing.status_code, missing.json()["message"]) == (400, "App name is required")
    bad_type = post_json(owner, "/api/apps", {"name": "x", "type": "mainframe"})
    assert (bad_type.status_code, bad_type.json()["message"]) == (400, "Unsupported app type")
    long_name = post_json(owner, "/api/apps", {"name": "n" * 201})
    assert (long_name.status_code, long_name.json()["field"]) == (400, "name")


def test_wrong_methods_and_unknown_routes_answer_json(client):
    wrong = client.get("/api/auth/login")
    assert (wrong.status_code, wrong.json()["message"], wrong["Allow"]) == (
        405,
        "Method GET is not allowed here",
        "POST",
    )
    batch = client.put("/api/events/batch")
    assert (batch.status_code, batch.json()["message"]) == (405, "Method PUT is not allowed here")
    missing = client.get("/api/nothing-here")
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")


def test_ensure_admin_refuses_credentials_the_api_login_would_refuse(monkeypatch):
    monkeypatch.setenv("ERRORHUB_ADMIN_EMAIL", "admin@localhost")
    monkeypatch.setenv("ERRORHUB_ADMIN_PASSWORD", "ops-password")
    with pytest.raises(CommandError, match="Email is invalid"):
        call_command("ensure_admin")
