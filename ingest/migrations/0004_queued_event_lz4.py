from django.db import migrations

from errorhub.compression import lz4_columns


class Migration(migrations.Migration):
    dependencies = [("ingest", "0003_queued_event")]

    operations = [lz4_columns("ingest_queuedevent", ["payload"])]
