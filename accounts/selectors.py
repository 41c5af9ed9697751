from django.db.models import Q

from accounts.models import ApiToken, Project
from accounts.tokens import grant_of


def project_for_key(key):
    """The project a project key names: its app_key or its Sentry DSN public key (else None)."""
    return Project.objects.filter(Q(app_key=key) | Q(sentry_key=key)).first() if key else None


def visible_projects(user):
    """Projects a user's token may read: its memberships, or every project for a superuser;
    a project-scoped API token narrows either to its one project."""
    if user is None or not user.is_authenticated:
        return Project.objects.none()
    projects = Project.objects.all() if user.is_superuser else Project.objects.filter(memberships__user=user)
    project_id = grant_of(user).project_id
    return projects if project_id is None else projects.filter(pk=project_id)


def legacy_visible_projects(user):
    """Legacy reads, where user None means ERRORHUB_OPEN_LEGACY_API let a token-less request in."""
    return Project.objects.all() if user is None else visible_projects(user)


def projects_of(user):
    """A user's own apps, newest first (HealthGuard /api/apps lists only memberships)."""
    projects = Project.objects.filter(memberships__user=user).order_by("-created_at", "-id")
    project_id = grant_of(user).project_id
    return projects if project_id is None else projects.filter(pk=project_id)


def api_tokens_of(user):
    return ApiToken.objects.filter(user=user).select_related("project").order_by("-created_at", "-id")


def sentry_project(project_id, public_key):
    """The project a Sentry DSN names: its id and public key must both match (else None)."""
    if not public_key:
        return None
    return Project.objects.filter(pk=project_id, sentry_key=public_key.lower()).first()
