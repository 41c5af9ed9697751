from celery import shared_task

from ingest import digest_requests
from ingest.pipeline import digest_all


@shared_task(ignore_result=True)
def digest():
    """Digest everything waiting; parallel workers split the queue (SKIP LOCKED on PostgreSQL)."""
    digest_requests.digest_started()
    return digest_all()
