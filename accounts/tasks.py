from celery import shared_task
from django.utils import timezone

from accounts.models import SessionToken


@shared_task(ignore_result=True)
def delete_expired_tokens():
    """Expired tokens are refused anyway; this keeps the table small (index token_expiry_cleanup)."""
    return SessionToken.objects.filter(expires_at__lte=timezone.now()).delete()[0]
