from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        # Registers the Bearer scheme with drf-spectacular (extensions register on import).
        from accounts import schema  # noqa: F401
