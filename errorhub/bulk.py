"""Writing many rows at once where Django's bulk helpers cost more than the rows they save."""

import psycopg
from django.db import connection

# Rows per statement, and parameters: far below SQLite's (32,766) and PostgreSQL's (65,535) bounds.
ROWS_PER_STATEMENT = 500
PARAMETERS_PER_STATEMENT = 20_000


def cursor():
    """Django's cursor; on PostgreSQL one whose parameters the server binds, beside the SQL.

    Django quotes parameters into the SQL text (psycopg's ClientCursor): PostgreSQL then lexes
    every payload as a literal, and bytes travel as hex, near the top of the web process's and
    PostgreSQL's profiles (docs/architecture.md, "Ingest path"). Only statements built here use
    it: Django's own queries keep client-side binding, whose SQL has no bound on parameters (a
    cascading delete of 70,000 issues), where the protocol carries 65,535.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    # As connection.cursor() does: a kept connection whose server went away is replaced first.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(psycopg.Cursor(connection.connection))


def chunks(rows, columns=1):
    """`rows` sorted, at most ROWS_PER_STATEMENT at a time: the same order in every transaction,
    so concurrent upserts of the same rows never deadlock."""
    rows = sorted(rows)
    size = max(1, min(ROWS_PER_STATEMENT, PARAMETERS_PER_STATEMENT // columns))
    for position in range(0, len(rows), size):
        yield rows[position : position + size]


def insert_missing(model, columns, rows, *, returning=True):
    """INSERT the `rows` (tuples of `columns`) that no unique constraint already holds, with
    INSERT ... ON CONFLICT DO NOTHING (PostgreSQL and SQLite alike); the rows inserted, unless
    `returning` is false (whose rows are not worth reading back, e.g. a payload). Outside a
    transaction each statement commits by itself."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    returned = f" RETURNING {names}" if returning else ""
    inserted = []
    for chunk in chunks(set(rows), len(columns)):
        placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(chunk))
        with cursor() as statement:
            statement.execute(
                f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES {placeholders} "
                f"ON CONFLICT DO NOTHING{returned}",
                [value for row in chunk for value in row],
            )
            if returning:
                inserted.extend(tuple(row) for row in statement.fetchall())
    return inserted


def insert_new(objects):
    """insert_missing for unsaved model instances, as Django's bulk_create would store them
    (every concrete field but the primary key), without reading their ids back.

    One single-row statement sent for every object at once (executemany, which psycopg
    pipelines and prepares): psycopg re-parses the text of a statement longer than 4 KB on
    every execute, and a multi-row INSERT of a batch of Events is ~30 times that.
    """
    if not objects:
        return
    meta = objects[0]._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with cursor() as statement:
        statement.executemany(
            f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({placeholders}) ON CONFLICT DO NOTHING",
            [[field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields] for obj in objects],
        )


def update_each(objects, fields):
    """Save `fields` of each object with one UPDATE per row, sent as one executemany (psycopg
    pipelines it on PostgreSQL). Django's bulk_update builds a CASE over every row for every
    field: the digest spent most of its time building and planning those."""
    if not objects:
        return
    meta = type(objects[0])._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    rows = [[column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns] + [obj.pk]
            for obj in objects]  # fmt: skip
    with cursor() as statement:
        statement.executemany(
            f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s", rows
        )
