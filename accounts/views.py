"""HealthGuard's account API: /api/auth/* and /api/apps, in the collector's shapes."""

from functools import partial
from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts import services
from accounts.authentication import token_user
from accounts.models import PROJECT_TYPES
from accounts.permissions import may_manage_account
from accounts.selectors import projects_of
from accounts.tokens import issue_token, revoke_token, token_from_request
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
    return _session(partial(services.login_user, request), body, 200)


def sso_sign_in(request):
    """The API's single sign-on: through the provider, then to sso_token."""
    return redirect(f"{reverse('oidc_authentication_init')}?{urlencode({'next': reverse('sso-token')})}")


def sso_token(request):
    """A session token for whoever signed in through the provider in this browser session."""
    if not request.user.is_authenticated:
        raise PayloadError(None, "Unauthorized", status=401)
    return JsonResponse({"token": issue_token(request.user), "user": user_json(request.user)})


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
