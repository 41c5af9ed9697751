"""Only users allowed to manage alert tasks may call the alerts API, unless it is opened."""

from django.contrib.auth.models import Permission

from accounts.models import User
from accounts.tokens import issue_token
from tests.support.api import TokenClient, post_json

BODY = {"app": "shop", "tolerance": "low", "slack": "#shop"}


def client_for(email, *, is_staff=False, permissions=()):
    user = User.objects.create_user(email=email, password="correct-horse", is_staff=is_staff)
    user.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
    return TokenClient(issue_token(user))


def test_without_a_token_the_api_answers_401(client, db):
    for response in (client.get("/tasks/5xx"), post_json(client, "/task/5xx", BODY), client.delete("/task/5xx/x")):
        assert response.status_code == 401
        assert response.json() == {"error": "Unauthorized"}


def test_an_unknown_token_is_401(client, db, settings):
    settings.ERRORHUB_OPEN_LEGACY_API = True
    assert client.get("/tasks/5xx", HTTP_AUTHORIZATION="Bearer session_nope").status_code == 401


def test_other_users_get_403(db):
    plain = client_for("plain@example.com")
    staff_without_permission = client_for("staff@example.com", is_staff=True)
    not_staff_with_permission = client_for("perm@example.com", permissions=["change_fivexxtask"])
    for user in (plain, staff_without_permission, not_staff_with_permission):
        response = post_json(user, "/task/5xx", BODY)
        assert response.status_code == 403
        assert response.json() == {"error": "This token's user may not manage alert tasks"}


def test_staff_with_the_kinds_permission_manage_that_kind(db, fake_kapacitor):
    staff = client_for("staff@example.com", is_staff=True, permissions=["change_fivexxtask"])
    assert post_json(staff, "/task/5xx", BODY).status_code == 201
    assert staff.get("/tasks/5xx").json()[0]["app"] == "shop"
    assert staff.get("/tasks/memory").status_code == 403


def test_open_legacy_api_lets_unmodified_clients_in(client, db, settings, fake_kapacitor):
    settings.ERRORHUB_OPEN_LEGACY_API = True
    assert post_json(client, "/task/5xx", BODY).status_code == 201
    assert client.get("/tasks/5xx").status_code == 200
