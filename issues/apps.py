from django.apps import AppConfig
from django.db.models.signals import post_save


class IssuesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "issues"

    def ready(self):
        from accounts.models import Project
        from issues.services import give_default_group

        # Every path that creates a project (API, HealthGuard /api/apps, open ingest, admin)
        # gets its default group, without accounts (a lower floor) knowing about groups.
        post_save.connect(give_default_group, sender=Project, dispatch_uid="issues.default_group")
