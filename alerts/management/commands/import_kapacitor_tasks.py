"""Import the alert tasks already in Kapacitor (the original's RUN_MIGRATION).

Unlike the original it pages past the first 100 tasks, skips and reports a task it cannot
read instead of crashing, and upserts instead of dropping the tables, so running it twice
changes nothing the second time.
"""

import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from alerts import tickscript, validation
from alerts.kapacitor import KapacitorClient, KapacitorError
from alerts.models import MODELS, SyncStatus
from alerts.services import primary_key

# The original's classification of task ids; anything else (e.g. old `<app>-memory`) is skipped.
MEMORY_ID = re.compile(r"^(.*)-sample\.memory_total-(\w+)$")
EVENT_ID = re.compile(r"^(.*)-(release|5xx|crash)$")
KIND_OF_SUFFIX = {"5xx": "5xx", "crash": "crashed", "release": "release"}


def classify(task_id):
    if MEMORY_ID.match(task_id):
        return "memory"
    match = EVENT_ID.match(task_id)
    return KIND_OF_SUFFIX[match.group(2)] if match else None


def var_values(task):
    """Var values as strings; Kapacitor gives crit/warn back as numbers (stored as text, `1000`)."""
    values = {}
    for name, var in (task.get("vars") or {}).items():
        value = var.get("value") if isinstance(var, dict) else None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        values[name] = "" if value is None else str(value)
    return values


def stored_fields(kind, task):
    """The row for a Kapacitor task, or InvalidAlertTask naming what is missing or bad."""
    values = var_values(task)
    if kind == "memory":
        # The dyno comes from the var the original wrote, not from the id.
        values["dynotype"] = values.pop("dynotyperequest", "")
    required = [field for field in validation.FIELDS[kind] if field not in validation.NOTIFY_FIELDS]
    missing = [field for field in required if not values.get(field)]
    if missing:
        raise validation.InvalidAlertTask(missing[0], f"var {missing[0]} is missing")
    return validation.alert_task(kind, {field: values.get(field, "") for field in validation.FIELDS[kind]})


class Command(BaseCommand):
    help = "Import every 5xx, crash, memory and release task from Kapacitor (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-run-migration",
            action="store_true",
            help="Do nothing unless RUN_MIGRATION is set (for a startup hook, as the original).",
        )

    def handle(self, *args, if_run_migration=False, **options):
        if if_run_migration and not settings.RUN_MIGRATION:
            return
        try:
            tasks = list(KapacitorClient().tasks(fields=("vars",)))
        except KapacitorError as exc:
            raise CommandError(f"Cannot list Kapacitor tasks: {exc.message}") from exc
        counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
        for task in tasks:
            outcome = self.import_task(task)
            counts[outcome] += 1
        self.stdout.write(
            f"{len(tasks)} Kapacitor tasks: {counts['created']} imported, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['skipped']} skipped"
        )

    def import_task(self, task):
        task_id = task["id"]
        kind = classify(task_id)
        if kind is None:
            self.stdout.write(f"Skipping {task_id}: not an alerts-api task id")
            return "skipped"
        try:
            fields = stored_fields(kind, task)
        except validation.InvalidAlertTask as exc:
            self.stdout.write(f"Skipping {task_id}: {exc.message}")
            return "skipped"
        described = tickscript.task_id(kind, fields["app"], fields.get("dynotype", ""))
        if described != task_id:
            self.stdout.write(f"Skipping {task_id}: its vars describe the task {described}")
            return "skipped"
        pk = primary_key(kind, fields)
        model = MODELS[kind]
        with transaction.atomic():
            row = model.objects.select_for_update().filter(pk=pk).first()
            if row is not None and row.removed_at is not None:
                self.stdout.write(f"Skipping {task_id}: deleted here, its removal from Kapacitor is pending")
                return "skipped"
            if row is not None and row.config() == {**row.config(), **fields}:
                return "unchanged"
            if row is not None and row.sync_status != SyncStatus.SYNCED:
                # The database is the source of truth: its newer change has yet to reach Kapacitor.
                self.stdout.write(f"Skipping {task_id}: a change made here is waiting to sync")
                return "skipped"
            # Kapacitor already runs this task, so the imported row starts out synced.
            row = row or model(pk=pk)
            for field, value in fields.items():
                setattr(row, field, value)
            row.sync_status, row.sync_error, row.sync_attempts = SyncStatus.SYNCED, "", 0
            row.synced_at = timezone.now()
            created = row._state.adding
            row.save(force_insert=created)
        return "created" if created else "updated"
