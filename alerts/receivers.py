"""The alerts app's subscription to the issues lifecycle (connected in AlertsConfig.ready)."""

from alerts import rules


def issue_announced(sender, kind, issue_ids, **kwargs):
    """Hand the announcement to the background; the digest that sent it never waits on rules."""
    from alerts.tasks import alert_on_issues, run_later

    trigger = rules.TRIGGER_OF_ANNOUNCEMENT.get(kind)
    if trigger is None or not rules.rules_listening(trigger).exists():
        return
    run_later(alert_on_issues, str(trigger), list(issue_ids))
