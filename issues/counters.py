"""Counters kept with INSERT ... ON CONFLICT (PostgreSQL and SQLite alike), never read-add-write
(rows inserted only when missing: errorhub.bulk.insert_missing)."""

from django.db import connection

from errorhub import bulk


def add_counts(model, key_columns, counts, *, column="count"):
    """Add {(key values...): n} to `model`'s `column`, creating the rows that are missing."""
    table = connection.ops.quote_name(model._meta.db_table)
    keys = ", ".join(key_columns)
    for chunk in bulk.chunks([(*key, n) for key, n in counts.items() if n], len(key_columns) + 1):
        placeholders = ", ".join(["(" + ", ".join(["%s"] * (len(key_columns) + 1)) + ")"] * len(chunk))
        with bulk.cursor() as statement:
            statement.execute(
                f"INSERT INTO {table} ({keys}, {column}) VALUES {placeholders} "
                f"ON CONFLICT ({keys}) DO UPDATE SET {column} = {table}.{column} + excluded.{column}",
                [value for row in chunk for value in row],
            )
