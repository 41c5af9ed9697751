from django.db import migrations

# PostgreSQL compresses values over ~2 KB when it stores them; an event's `data` and `raw`
# always are. lz4 took half of pglz's CPU per event for ~12% more disk (docs/architecture.md,
# "Ingest path"). Values already stored keep their compression; new ones get lz4.
COLUMNS = ["data", "raw", "frames", "tags"]


def set_compression(method):
    def run(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)")
            if method == "lz4" and cursor.fetchone() is None:
                return  # a server built without lz4 keeps pglz
            changes = ", ".join(f'ALTER COLUMN "{column}" SET COMPRESSION {method}' for column in COLUMNS)
            cursor.execute(f"ALTER TABLE issues_event {changes}")

    return run


class Migration(migrations.Migration):
    dependencies = [("issues", "0008_event_payload_json_fields")]

    operations = [migrations.RunPython(set_compression("lz4"), set_compression("default"))]
