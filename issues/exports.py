"""CSV exports of the issue and event lists: streamed row by row, at most ERRORHUB_EXPORT_MAX_ROWS."""

import csv

from django.conf import settings
from django.utils import timezone

from issues import lifecycle

ISSUE_COLUMNS = [
    "id", "project_id", "fingerprint", "title", "culprit", "level", "source", "status", "substatus",
    "assignee__email", "first_seen", "last_seen", "event_count", "users_affected", "first_release", "last_release",
]  # fmt: skip
EVENT_COLUMNS = [
    "id", "event_id", "project_id", "issue_id", "source", "kind", "timestamp", "received_at", "level", "platform",
    "message", "exception_type", "exception_value", "user", "environment", "release", "fingerprint", "count",
]  # fmt: skip


class _Line:
    """csv.writer's file: each row written comes back as the line to stream."""

    def write(self, line):
        return line


def csv_lines(rows):
    writer = csv.writer(_Line())
    for row in rows:
        yield writer.writerow(row)


def _bounded(queryset, columns):
    return queryset.values_list(*columns)[: settings.ERRORHUB_EXPORT_MAX_ROWS].iterator(chunk_size=500)


def issue_rows(queryset):
    yield [column.replace("__", "_").removesuffix("_id") if column != "id" else column for column in ISSUE_COLUMNS]
    now = timezone.now()
    status_at, first_seen_at = ISSUE_COLUMNS.index("substatus"), ISSUE_COLUMNS.index("first_seen")
    for row in _bounded(queryset, ISSUE_COLUMNS):
        row = list(row)
        row[status_at] = lifecycle.substatus_at(row[status_at], row[first_seen_at], now)
        yield row


def event_rows(queryset):
    yield [column.removesuffix("_id") if column not in ("id", "event_id") else column for column in EVENT_COLUMNS]
    yield from _bounded(queryset, EVENT_COLUMNS)
