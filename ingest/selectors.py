"""Reads behind the ingest surfaces' own exports: the Periskop payload."""

from django.db.models import Prefetch, Q

from accounts.selectors import legacy_visible_projects
from issues.models import Event, Source


def periskop_project(user, name):
    """The project an export names by slug (or name, as pushes do), if the reader may see it."""
    return legacy_visible_projects(user).filter(Q(slug=name) | Q(name=name)).order_by("id").first()


def periskop_aggregates(project):
    """The project's Periskop issues, oldest first, each with its stored errors oldest first."""
    errors = Event.objects.filter(kind="error").order_by("timestamp", "id")
    return (
        project.issues.filter(source=Source.PERISKOP)
        .order_by("first_seen", "id")
        .prefetch_related(Prefetch("events", queryset=errors, to_attr="stored_errors"))
    )
