"""How PostgreSQL compresses large column values, for migrations (docs/architecture.md, "Ingest path").

Values over ~2 KB (an event's payload always) are compressed as they are stored; lz4 took half
of pglz's CPU per event for ~12% more disk. Values already stored keep their compression.
"""

from django.db import migrations


def lz4_columns(table, columns):
    """A reversible migration operation: lz4 for `columns` where the server has it, back to
    the server's default when reversed; nothing on SQLite or a server built without lz4."""

    def set_compression(method):
        def run(apps, schema_editor):
            connection = schema_editor.connection
            if connection.vendor != "postgresql":
                return
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
                )
                if method == "lz4" and cursor.fetchone() is None:
                    return
                changes = ", ".join(f'ALTER COLUMN "{column}" SET COMPRESSION {method}' for column in columns)
                cursor.execute(f'ALTER TABLE "{table}" {changes}')

        return run

    return migrations.RunPython(set_compression("lz4"), set_compression("default"))
