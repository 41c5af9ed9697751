"""HealthGuard's account API: /api/auth/* and /api/apps, in the collector's shapes."""

from django.http import JsonResponse

from accounts import services
from accounts.authentication import token_user
from accounts.models import PROJECT_TYPES
from accounts.permissions import may_manage_account
from accounts.selectors import projects_of
from accounts.tokens import revoke_token, token_from_request
from errorhub.http import json_body
from errorhub.payload import PayloadError, epoch_ms


def user_json(user):
    return {"id": f"user_{user.id}", "email": user.email, "createdAt": epoch_ms(user.date_joined)}


def app_json(project):
    return {
        "id": f"app_{project.id}",
        "name": project.name,
        "appKey": project.app_key,
        "type": project.platform,
        "createdAt": epoch_ms(project.created_at),
    }


def _session(sign_in, body, status):
    """Register or log in, answering HealthGuard's {token, user} or its coded error."""
    user, token = sign_in(body.get("email"), body.get("password"))
    return JsonResponse({"token": token, "user": user_json(user)}, status=status)


@json_body
def register(request, body):
    return _session(services.register_user, body, 201)


@json_body
def login(request, body):
    return _session(services.login_user, body, 200)


def logout(request):
    """Revokes the token the request carries: from now on it is refused (401)."""
    if not revoke_token(token_from_request(request)):
        raise PayloadError(None, "Unauthorized", status=401)
    return JsonResponse({"ok": True})


@token_user()
def me(request, user):
    return JsonResponse({"user": user_json(user)})


@token_user()
def list_apps(request, user):
    return JsonResponse({"apps": [app_json(p) for p in projects_of(user)]})


@token_user()
@json_body
def create_app(request, body, user):
    if not may_manage_account(user):
        raise PayloadError(None, "Creating apps needs a login token, not an API token", status=403)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PayloadError("name", "App name is required")
    project = services.create_project(
        name=name.strip(), platform=body.get("type", "web"), owner=user, platforms=PROJECT_TYPES
    )
    return JsonResponse({"app": app_json(project)}, status=201)
