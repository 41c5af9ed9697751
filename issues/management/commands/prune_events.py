from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from issues import services


class Command(BaseCommand):
    help = (
        "Delete digested events, time buckets and activity older than the retention "
        "(ERRORHUB_EVENT_RETENTION_DAYS); issues and their counters stay."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="override ERRORHUB_EVENT_RETENTION_DAYS")

    def handle(self, *args, days=None, **options):
        days = settings.ERRORHUB_EVENT_RETENTION_DAYS if days is None else days
        if days < 0:
            raise CommandError("--days must be 0 (keep everything) or more")
        deleted = services.prune_events(older_than_days=days)
        self.stdout.write(
            f"deleted {deleted} events received more than {days} days ago" if days else "retention is off"
        )
