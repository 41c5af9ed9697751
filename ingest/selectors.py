"""Reads behind the ingest surfaces' own exports (the Periskop payload) and the digest queue."""

from django.db.models import Prefetch, Q

from accounts.selectors import legacy_visible_projects
from ingest.models import QueuedEvent
from issues.models import Event, Issue, Source


def digest_pending():
    """Whether anything accepted still waits for the digest: queued payloads or waiting Events."""
    return QueuedEvent.objects.exists() or Event.objects.filter(digested=False, digest_error="").exists()


def periskop_project(user, name):
    """The project an export names by slug (or name, as pushes do), if the reader may see it."""
    return legacy_visible_projects(user).filter(Q(slug=name) | Q(name=name)).order_by("id").first()


def periskop_project_for_key(user, project):
    """The project a key named (`/k/<key>/-/errors`), if the reader may see it."""
    return legacy_visible_projects(user).filter(pk=project.pk).first()


# A scrape's answer stays bounded however many keys a project collects (README "Bounded lists").
MAX_PERISKOP_AGGREGATES = 1000


def periskop_aggregates(project):
    """The project's most recently seen Periskop issues (at most MAX_PERISKOP_AGGREGATES),
    oldest first, each with its stored errors oldest first."""
    periskop_issues = project.issues.filter(source=Source.PERISKOP)
    recent = periskop_issues.order_by("-last_seen", "-id").values("id")[:MAX_PERISKOP_AGGREGATES]
    errors = Event.objects.filter(kind="error").order_by("timestamp", "id")
    return (
        Issue.objects.filter(id__in=recent)
        .order_by("first_seen", "id")
        .prefetch_related(Prefetch("events", queryset=errors, to_attr="stored_errors"))
    )
