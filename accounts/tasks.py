from celery import shared_task
from django.utils import timezone

from accounts import quotas
from accounts.models import ApiToken, SessionToken


@shared_task(ignore_result=True)
def delete_expired_tokens():
    """Expired tokens are refused anyway; this keeps the tables small (the expiry cleanup indexes)."""
    now = timezone.now()
    sessions = SessionToken.objects.filter(expires_at__lte=now).delete()[0]
    return sessions + ApiToken.objects.filter(expires_at__lte=now).delete()[0]


@shared_task(ignore_result=True)
def flush_rejected_events():
    """Refusals tallied in the quota counters onto Project.rejected_events."""
    return quotas.flush_rejected_events()
