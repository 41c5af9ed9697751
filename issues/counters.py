"""Counters kept with INSERT ... ON CONFLICT (PostgreSQL and SQLite alike), never read-add-write."""

from django.db import connection

# Rows per statement: far below SQLite's and PostgreSQL's bound-parameter limits.
ROWS_PER_STATEMENT = 500


def _chunks(rows):
    rows = sorted(rows)  # the same order in every transaction, so concurrent upserts never deadlock
    for position in range(0, len(rows), ROWS_PER_STATEMENT):
        yield rows[position : position + ROWS_PER_STATEMENT]


def add_counts(model, key_columns, counts, *, column="count"):
    """Add {(key values...): n} to `model`'s `column`, creating the rows that are missing."""
    table = connection.ops.quote_name(model._meta.db_table)
    keys = ", ".join(key_columns)
    for chunk in _chunks([(*key, n) for key, n in counts.items() if n]):
        placeholders = ", ".join(["(" + ", ".join(["%s"] * (len(key_columns) + 1)) + ")"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({keys}, {column}) VALUES {placeholders} "
                f"ON CONFLICT ({keys}) DO UPDATE SET {column} = {table}.{column} + excluded.{column}",
                [value for row in chunk for value in row],
            )


def insert_missing(model, key_columns, rows):
    """Insert the rows of `rows` (tuples) that do not exist yet; returns those inserted."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(key_columns)
    inserted = []
    for chunk in _chunks(set(rows)):
        placeholders = ", ".join(["(" + ", ".join(["%s"] * len(key_columns)) + ")"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {placeholders} ON CONFLICT DO NOTHING RETURNING {columns}",
                [value for row in chunk for value in row],
            )
            inserted.extend(tuple(row) for row in cursor.fetchall())
    return inserted
