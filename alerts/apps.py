from django.apps import AppConfig


class AlertsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "alerts"

    def ready(self):
        from alerts.receivers import issue_announced
        from issues.announcements import issue_announced as announcement

        announcement.connect(issue_announced, dispatch_uid="alerts.issue_alert_rules")
