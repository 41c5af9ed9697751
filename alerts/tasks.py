from celery import shared_task
from django.conf import settings

from alerts import services
from alerts.kapacitor import KapacitorError


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
