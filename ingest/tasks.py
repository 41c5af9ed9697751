import time

from celery import shared_task
from django.conf import settings

from ingest import digest_requests
from ingest.pipeline import digest_all


@shared_task(ignore_result=True)
def digest():
    """Digest everything waiting; parallel workers split the queue (SKIP LOCKED on PostgreSQL).

    It lets events gather first, with the pending request still set, so that the requests
    meanwhile queue no other digest and this one claims them in a batch.
    """
    time.sleep(settings.ERRORHUB_DIGEST_GATHER_MS / 1000)
    digest_requests.digest_started()
    return digest_all()
