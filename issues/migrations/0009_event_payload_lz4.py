from django.db import migrations

from errorhub.compression import lz4_columns


class Migration(migrations.Migration):
    dependencies = [("issues", "0008_event_payload_json_fields")]

    operations = [lz4_columns("issues_event", ["data", "raw", "frames", "tags"])]
