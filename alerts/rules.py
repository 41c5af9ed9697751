"""Issue alert rules: their writes, what an issue announcement makes of them, and delivery.

The issues lifecycle announces after its commit (issues.announcements); alerts.receivers
queues `alert_on_issues`, so rules are read in the background, never on the ingest path.
For each rule that listens and each of its issues out of cooldown, a new issue waits in the
rule's burst window (all new issues of the window go out as one digest message), other
triggers make their deliveries at once. Each delivery is a task that tries its target and
retries with backoff; a target whose delivery failed every attempt is marked failing.
"""

import logging
import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.selectors import visible_projects
from alerts import channels, rule_validation, selectors
from alerts.models import AlertDelivery, AlertedIssue, AlertRule, AlertTarget, DeliveryStatus, Trigger
from alerts.rule_validation import InvalidAlertRule
from issues import announcements
from issues.models import Issue, Level

logger = logging.getLogger(__name__)

# What each announcement of the issues lifecycle means to a rule.
TRIGGER_OF_ANNOUNCEMENT = {
    announcements.NEW_ISSUE: Trigger.NEW_ISSUE,
    announcements.REGRESSION: Trigger.REGRESSION,
    announcements.ESCALATING: Trigger.ESCALATING,
    # Every issue a digest counted events for: rules with a spike trigger read the time series.
    announcements.OCCURRENCES: Trigger.SPIKE,
}
LEVEL_RANK = {level: rank for rank, level in enumerate(Level.values)}


def new_secret():
    return secrets.token_hex(32)


def stored_fields(rule):
    """The rule as a PATCH body would give it whole (what a PATCH merges into)."""
    return {
        "project": rule.project_id,
        "name": rule.name,
        "triggers": rule.triggers,
        "environment": rule.environment,
        "min_level": rule.min_level,
        "source": rule.source,
        "targets": [{"kind": target.kind, **target.config} for target in rule.targets.all()],
        "cooldown_minutes": rule.cooldown_minutes,
    }


def checked(body, stored=None):
    return rule_validation.alert_rule(
        body, stored=stored, allow_private_targets=settings.ERRORHUB_ALLOW_PRIVATE_TARGETS
    )


def create_alert_rule(user, body):
    """A new rule in one of the user's projects (InvalidAlertRule naming the field otherwise).

    The rule's webhook secret is readable on the returned rule; the API shows it only now.
    """
    fields = checked(body)
    project = visible_projects(user).filter(pk=fields.pop("project")).first()
    if project is None:
        raise InvalidAlertRule("project", "no such project among yours")
    targets = fields.pop("targets")
    with transaction.atomic():
        rule = AlertRule.objects.create(project=project, created_by=user, secret=new_secret(), **fields)
        set_targets(rule, targets)
    return rule


def update_alert_rule(rule, body):
    """PATCH: the fields the body gives change; the rule is checked as a whole."""
    if isinstance(body, dict) and "project" in body and body["project"] != rule.project_id:
        raise InvalidAlertRule("project", "a rule stays in its project; create a new one in the other project")
    fields = checked(body, stored_fields(rule))
    del fields["project"]
    targets = fields.pop("targets")
    with transaction.atomic():
        AlertRule.objects.select_for_update().filter(pk=rule.pk).first()
        for field, value in fields.items():
            setattr(rule, field, value)
        rule.updated_at = timezone.now()
        rule.save(update_fields=[*fields, "updated_at"])
        if "targets" in body:
            set_targets(rule, targets)
    return rule


def delete_alert_rule(rule):
    rule.delete()


def set_targets(rule, targets):
    """Make the rule's targets these (kind, config)s; a target kept as it was keeps its failing state."""
    existing = list(rule.targets.all())
    kept = []
    for position, (kind, config) in enumerate(targets):
        same = next((t for t in existing if t.kind == kind and t.config == config and t not in kept), None)
        if same is None:
            same = AlertTarget.objects.create(rule=rule, position=position, kind=kind, config=config)
        elif same.position != position:
            same.position = position
            same.save(update_fields=["position"])
        kept.append(same)
    AlertTarget.objects.filter(rule=rule).exclude(pk__in=[t.pk for t in kept]).delete()


# What an announcement makes of the rules.


def rules_listening(trigger):
    if trigger == Trigger.SPIKE:
        return AlertRule.objects.filter(spike_count__isnull=False)
    return AlertRule.objects.filter(**{rule_validation.TRIGGER_FLAGS[trigger]: True})


def matches(rule, issue, environments):
    if rule.source and issue.source != rule.source:
        return False
    if rule.min_level and LEVEL_RANK.get(issue.level, 0) < LEVEL_RANK[rule.min_level]:
        return False
    return not rule.environment or environments.get(issue.id) == rule.environment


def alert_on_issues(trigger, issue_ids):
    """Every rule of these issues' projects that listens to `trigger` alerts about its matching issues."""
    now = timezone.now()
    issues = list(Issue.objects.filter(id__in=issue_ids).only("id", "project_id", "level", "source"))
    rules = list(rules_listening(trigger).filter(project_id__in={issue.project_id for issue in issues}))
    if not rules:
        return
    environments = selectors.newest_environments([i.id for i in issues]) if any(r.environment for r in rules) else {}
    for rule in rules:
        matching = [i.id for i in issues if i.project_id == rule.project_id and matches(rule, i, environments)]
        if trigger == Trigger.SPIKE and matching:
            counts = selectors.events_in_window(matching, rule.spike_minutes, now)
            matching = [issue_id for issue_id in matching if counts.get(issue_id, 0) >= rule.spike_count]
        if matching:
            alert(rule, trigger, matching, now)


def alert(rule, trigger, issue_ids, now):
    """Alert about the issues not in the rule's cooldown: new issues join the burst window."""
    with transaction.atomic():
        # One writer per rule at a time, so two digests never both claim an issue's cooldown.
        rule = AlertRule.objects.select_for_update().filter(pk=rule.pk).first()
        if rule is None:
            return
        waiting = trigger == Trigger.NEW_ISSUE
        window_open = waiting and rule.alerted_issues.filter(waiting_for_burst=True).exists()
        fresh = claim_cooldowns(rule, issue_ids, now, waiting=waiting)
        if not fresh:
            return
        if not waiting:
            for issue_id in fresh:
                create_deliveries(rule, trigger, [issue_id])
        elif not window_open:
            transaction.on_commit(partial(queue_burst, rule.pk))


def claim_cooldowns(rule, issue_ids, now, *, waiting):
    """The issues the rule has not alerted about within its cooldown, now marked alerted."""
    cutoff = now - timedelta(minutes=rule.cooldown_minutes)
    cooling = set(
        rule.alerted_issues.filter(issue_id__in=issue_ids, alerted_at__gt=cutoff).values_list("issue_id", flat=True)
    )
    fresh = sorted(set(issue_ids) - cooling)
    AlertedIssue.objects.bulk_create(
        [AlertedIssue(rule=rule, issue_id=issue_id, alerted_at=now, waiting_for_burst=waiting) for issue_id in fresh],
        update_conflicts=True,
        unique_fields=["rule", "issue"],
        update_fields=["alerted_at", "waiting_for_burst"],
    )
    return fresh


def queue_burst(rule_id):
    from alerts.tasks import run_later, send_new_issue_burst  # the tasks module imports this one

    run_later(send_new_issue_burst, rule_id, countdown=settings.ERRORHUB_ALERT_BURST_SECONDS)


def send_new_issue_burst(rule_id):
    """The burst window closed: one message for its new issues (a digest when more than one)."""
    with transaction.atomic():
        rule = AlertRule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None:
            return
        waiting = rule.alerted_issues.filter(waiting_for_burst=True)
        issue_ids = sorted(waiting.values_list("issue_id", flat=True))
        waiting.update(waiting_for_burst=False)
        if issue_ids:
            create_deliveries(rule, Trigger.NEW_ISSUE, issue_ids)


def create_deliveries(rule, trigger, issue_ids):
    """One delivery per target of the rule, each queued once this transaction commits."""
    deliveries = AlertDelivery.objects.bulk_create(
        AlertDelivery(
            rule=rule,
            target=target,
            target_kind=target.kind,
            target_destination=target.destination,
            trigger=trigger,
            issue_id=issue_ids[0] if len(issue_ids) == 1 else None,
            issue_ids=issue_ids,
        )
        for target in rule.targets.all()
    )
    for delivery in deliveries:
        transaction.on_commit(partial(queue_delivery, delivery.pk))
    return deliveries


def queue_delivery(delivery_id, countdown=0):
    from alerts.tasks import deliver_alert, run_later

    run_later(deliver_alert, delivery_id, countdown=countdown)


# Delivery.


def attempt_delivery(delivery_id, *, final=False):
    """One try of a pending delivery; returns the seconds to wait before the next try, or
    None when it is done (sent, failed for good, or taken by another runner)."""
    delivery = AlertDelivery.objects.select_related("rule__project", "target").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    now = timezone.now()
    # Claimed by its attempt number: of two runners of one delivery, one tries.
    claimed = AlertDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=delivery.attempts)
    if not claimed.update(attempts=F("attempts") + 1, last_attempt_at=now):
        return None
    delivery.attempts += 1
    try:
        if delivery.target is None:
            raise channels.DeliveryError("the target was removed from the rule", retry=False)
        issues = selectors.issue_facts(delivery.issue_ids)
        if delivery.issue_ids and not issues:
            raise channels.DeliveryError("the issue was deleted", retry=False)
        answer = channels.send(delivery.target, delivery.trigger, delivery.rule, issues, now)
    except channels.DeliveryError as exc:
        final = final or not exc.retry or delivery.attempts >= settings.ERRORHUB_ALERT_MAX_ATTEMPTS
        record_failure(delivery, exc.message, final=final)
        if final:
            return None
        return settings.ERRORHUB_ALERT_RETRY_BACKOFF_SECONDS * 2 ** (delivery.attempts - 1)
    record_success(delivery, answer)
    return None


def record_failure(delivery, error, *, final):
    now = timezone.now()
    logger.warning("alert delivery %s to %s failed (attempt %s): %s", delivery.pk, delivery.target_destination,
                   delivery.attempts, error)  # fmt: skip
    delivery.status = DeliveryStatus.FAILED if final else DeliveryStatus.PENDING
    delivery.last_error = error
    delivery.save(update_fields=["status", "last_error"])
    if final and delivery.target is not None:
        AlertTarget.objects.filter(pk=delivery.target_id).update(failing=True, last_error=error, last_failure_at=now)


def record_success(delivery, answer):
    now = timezone.now()
    delivery.status, delivery.sent_at, delivery.last_response, delivery.last_error = (
        DeliveryStatus.SENT,
        now,
        answer,
        "",
    )
    delivery.save(update_fields=["status", "sent_at", "last_response", "last_error"])
    AlertTarget.objects.filter(pk=delivery.target_id).update(failing=False, last_error="", last_success_at=now)


def send_test_notification(rule):
    """POST .../test/: one try to every target, at once; returns the deliveries as they ended."""
    with transaction.atomic():
        deliveries = AlertDelivery.objects.bulk_create(
            AlertDelivery(
                rule=rule, target=target, target_kind=target.kind, target_destination=target.destination,
                trigger=Trigger.TEST, issue_ids=[],
            )
            for target in rule.targets.all()
        )  # fmt: skip
    for delivery in deliveries:
        attempt_delivery(delivery.pk, final=True)
    return list(AlertDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).order_by("id"))
