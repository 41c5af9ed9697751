from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        # Registers the Bearer scheme with drf-spectacular (extensions register on import).
        from accounts import schema  # noqa: F401
        from accounts.models import Project
        from accounts.selectors import forget_sentry_project

        post_save.connect(forget_sentry_project, sender=Project, dispatch_uid="forget_sentry_project_saved")
        post_delete.connect(forget_sentry_project, sender=Project, dispatch_uid="forget_sentry_project_deleted")
