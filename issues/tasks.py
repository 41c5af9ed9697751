from celery import shared_task
from django.conf import settings

from issues import services


@shared_task(ignore_result=True)
def prune_events():
    """Beat's hourly retention run."""
    return services.prune_events(older_than_days=settings.ERRORHUB_EVENT_RETENTION_DAYS)
