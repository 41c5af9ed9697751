from django.db import migrations


def set_compression(method):
    """The queued payload as issues' 0009 does an event's: lz4 where the server has it."""

    def run(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)")
            if method == "lz4" and cursor.fetchone() is None:
                return
            cursor.execute(f'ALTER TABLE ingest_queuedevent ALTER COLUMN "payload" SET COMPRESSION {method}')

    return run


class Migration(migrations.Migration):
    dependencies = [("ingest", "0003_queued_event")]

    operations = [migrations.RunPython(set_compression("lz4"), set_compression("default"))]
