from celery import shared_task

from ingest.pipeline import digest_all


@shared_task(ignore_result=True)
def digest():
    """Digest everything waiting; parallel workers split the queue (SKIP LOCKED on PostgreSQL)."""
    return digest_all()
