import time

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


# The DSN check runs on every Sentry request; its query was ~20% of one (docs/architecture.md,
# "Ingest path"). Found projects are kept per process for a short while: a project's id and
# key never change, and a change to its quotas reaches other processes within this time.
SENTRY_PROJECT_CACHE_SECONDS = 30
SENTRY_PROJECT_CACHE_SIZE = 10_000
_sentry_projects = {}  # (project id, public key) -> (project, kept until)


def sentry_project(project_id, public_key):
    """The project a Sentry DSN names: its id and public key must both match (else None)."""
    if not public_key:
        return None
    key, now = (project_id, public_key.lower()), time.monotonic()
    cached = _sentry_projects.get(key)
    if cached and cached[1] > now:
        return cached[0]
    project = Project.objects.filter(pk=project_id, sentry_key=key[1]).first()
    if project is not None:
        if len(_sentry_projects) >= SENTRY_PROJECT_CACHE_SIZE:
            _sentry_projects.clear()
        _sentry_projects[key] = (project, now + SENTRY_PROJECT_CACHE_SECONDS)
    return project


def forget_sentry_project(sender, instance, **kwargs):
    """A project saved or deleted in this process is looked up afresh (post_save, post_delete)."""
    for key in [key for key in _sentry_projects if key[0] == instance.pk]:
        _sentry_projects.pop(key, None)
