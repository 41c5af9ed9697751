from celery import shared_task
from django.conf import settings

from issues import lifecycle, services


@shared_task(ignore_result=True)
def prune_events():
    """Beat's hourly retention run."""
    return services.prune_events(older_than_days=settings.ERRORHUB_EVENT_RETENTION_DAYS)


@shared_task(ignore_result=True)
def wake_snoozed_issues():
    """Beat's minutely check for issues ignored for some minutes that have run out."""
    return lifecycle.wake_snoozed()
