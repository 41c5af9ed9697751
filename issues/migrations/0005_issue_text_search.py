"""Trigram indexes for the issue list's free-text search (PostgreSQL only; SQLite scans).

Django's icontains on PostgreSQL is `UPPER(column::text) LIKE UPPER(%s)`, so the indexes are
on that expression, one per column searched, and the planner ORs them.
"""

from django.db import migrations

COLUMNS = ("title", "culprit", "message")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS issue_{column}_trgm ON issues_issue USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS issue_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("issues", "0004_triage")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
