"""Writing many rows at once where Django's bulk helpers cost more than the rows they save."""

from django.db import connection

# Rows per statement: far below SQLite's and PostgreSQL's bound-parameter limits.
ROWS_PER_STATEMENT = 500


def chunks(rows):
    """`rows` sorted, ROWS_PER_STATEMENT at a time: the same order in every transaction, so
    concurrent upserts of the same rows never deadlock."""
    rows = sorted(rows)
    for position in range(0, len(rows), ROWS_PER_STATEMENT):
        yield rows[position : position + ROWS_PER_STATEMENT]


def insert_missing(model, columns, rows, *, returning=True):
    """INSERT the `rows` (tuples of `columns`) that no unique constraint already holds, with
    INSERT ... ON CONFLICT DO NOTHING (PostgreSQL and SQLite alike); the rows inserted, unless
    `returning` is false (whose rows are not worth reading back, e.g. a payload). Outside a
    transaction each statement commits by itself."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(columns)
    returned = f" RETURNING {names}" if returning else ""
    inserted = []
    for chunk in chunks(set(rows)):
        placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {placeholders} ON CONFLICT DO NOTHING{returned}",
                [value for row in chunk for value in row],
            )
            if returning:
                inserted.extend(tuple(row) for row in cursor.fetchall())
    return inserted


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
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s", rows)
