import logging
import threading

from celery import shared_task
from django.conf import settings
from django.db import close_old_connections, connection

from alerts import rules, services
from alerts.kapacitor import KapacitorError
from errorhub.celery import app as celery_app

logger = logging.getLogger(__name__)


@shared_task(bind=True, ignore_result=True, max_retries=None)
def sync_alert_task(self, kind, pk):
    """Push one alert task to Kapacitor, retrying with exponential backoff while it is unreachable.

    Run eagerly (no broker) it tries once and returns: a request must not wait out the
    backoff, and the periodic reconcile retries what is still pending.
    """
    retries = self.request.retries
    last = self.request.is_eager or retries >= settings.KAPACITOR_SYNC_MAX_RETRIES
    try:
        services.sync_alert_task(kind, pk, final_attempt=last and not self.request.is_eager)
    except KapacitorError as exc:
        if exc.transient and not last:
            raise self.retry(countdown=2 ** (retries + 1), exc=exc) from exc


@shared_task(ignore_result=True)
def reconcile_alert_tasks():
    return services.reconcile_alert_tasks()


def run_later(task, *args, countdown=0):
    """Queue an issue alert task on the broker; without one (the embedded default) run it on
    a thread, so neither a request nor the digest waits on a receiver, a retry or a burst window."""
    if not celery_app.conf.task_always_eager:
        task.apply_async(args, countdown=countdown)
        return
    timer = threading.Timer(countdown, run_in_thread, (task, args))
    timer.daemon = True
    timer.start()


def run_in_thread(task, args):
    close_old_connections()
    try:
        task.apply(args, throw=True)
    except Exception:
        logger.exception("issue alert task %s%r failed", task.name, args)
    finally:
        connection.close()


@shared_task(ignore_result=True)
def alert_on_issues(trigger, issue_ids):
    rules.alert_on_issues(trigger, issue_ids)


@shared_task(ignore_result=True)
def send_new_issue_burst(rule_id):
    rules.send_new_issue_burst(rule_id)


@shared_task(ignore_result=True)
def deliver_alert(delivery_id):
    """One try; a failed one is tried again after a backoff (the delivery counts the attempts)."""
    wait = rules.attempt_delivery(delivery_id)
    if wait is not None:
        run_later(deliver_alert, delivery_id, countdown=wait)
