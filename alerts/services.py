"""Every change to an alert task, and the sync that brings Kapacitor in line with it.

A write is one short transaction that marks the row `pending` and queues its sync on
commit; the sync pushes (or removes) the Kapacitor task and records the outcome. The API,
the admin's "sync now" and the periodic reconcile all go through `sync_alert_task`.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.selectors import legacy_visible_projects
from alerts import tickscript, validation
from alerts.kapacitor import KapacitorClient, KapacitorError, KapacitorNotConfigured
from alerts.models import MODELS, SyncStatus

logger = logging.getLogger(__name__)


class AlertTaskExists(Exception):
    pass


class AlertTaskNotFound(Exception):
    pass


def primary_key(kind, task):
    return tickscript.task_id(kind, task["app"], task["dynotype"]) if kind == "memory" else task["app"]


def queue_sync(kind, pk):
    from alerts.tasks import sync_alert_task  # the tasks module imports this one

    transaction.on_commit(lambda: sync_alert_task.delay(kind, pk))


def save_change(row, kind, task, *, new):
    """Store `task` on `row` as a new revision waiting to be synced."""
    for field, value in task.items():
        setattr(row, field, value)
    row.removed_at = None
    row.sync_status, row.sync_error, row.sync_attempts = SyncStatus.PENDING, "", 0
    row.revision = 1 if new else F("revision") + 1
    row.save(force_insert=new)
    queue_sync(kind, row.pk)


def linked_project(body, user):
    """The project `body` links the task to, among those the user sees (None: no link)."""
    reference = validation.project_link(body)
    if reference is None:
        return None
    lookup = {"pk": reference} if isinstance(reference, int) else {"slug": reference}
    project = legacy_visible_projects(user).filter(**lookup).first()
    if project is None:
        raise validation.InvalidAlertTask("project", f"no project {reference!r} among yours")
    return project


def create_alert_task(kind, body, user=None):
    """POST: a new task (InvalidAlertTask on bad input, AlertTaskExists for a live one)."""
    task = validation.alert_task(kind, body)
    task["project"] = linked_project(body, user)
    model, pk = MODELS[kind], primary_key(kind, task)
    try:
        with transaction.atomic():
            row = model.objects.select_for_update().filter(pk=pk).first()
            if row is not None and row.removed_at is None:
                raise AlertTaskExists(f"task {row.task_id} already exists")
            # A task deleted but not yet removed from Kapacitor is simply brought back.
            save_change(row or model(pk=pk), kind, task, new=row is None)
    except IntegrityError:
        # An identical POST inserted the row between our read and our insert.
        task_id = tickscript.task_id(kind, task["app"], task.get("dynotype", ""))
        raise AlertTaskExists(f"task {task_id} already exists") from None
    return model.objects.get(pk=pk)


def update_alert_task(kind, body, user=None):
    """PATCH: change only the fields the body gives, on the task its app (and dynotype) name."""
    key = validation.task_key(kind, body)
    model, pk = MODELS[kind], primary_key(kind, {"dynotype": "", **key})
    with transaction.atomic():
        row = model.live.select_for_update().filter(pk=pk).first()
        if row is None:
            raise AlertTaskNotFound(f"no {kind} alert task for {pk}")
        task = validation.merged(kind, row.config(), body)
        if "project" in validation.normalized_keys(body):
            task["project"] = linked_project(body, user)
        save_change(row, kind, task, new=False)
    return model.objects.get(pk=pk)


def link_alert_task(row, project):
    """The admin's project link: Kapacitor never sees it, so nothing is synced."""
    type(row).objects.filter(pk=row.pk).update(project=project)


def remove_alert_task(row):
    """DELETE: hidden at once, the row itself goes when Kapacitor no longer has the task."""
    with transaction.atomic():
        row.removed_at = timezone.now()
        row.sync_status, row.sync_error, row.sync_attempts = SyncStatus.PENDING, "", 0
        row.revision = F("revision") + 1
        row.save(update_fields=["removed_at", "sync_status", "sync_error", "sync_attempts", "revision"])
        queue_sync(row.kind, row.pk)


def push(client, kind, row):
    """Update the Kapacitor task in place, or create it when Kapacitor has none.

    Two syncs of one row can overlap (a retry and the reconcile): the one whose create finds
    the task already there updates it instead of failing.
    """
    body = tickscript.kapacitor_task(kind, row.config())
    if not client.update_task(row.task_id, body) and not client.create_task(body):
        client.update_task(row.task_id, body)


def sync_alert_task(kind, pk, *, final_attempt=True, client=None):
    """Make Kapacitor match one row; returns its new sync_status (None once it is gone).

    A failure is recorded on the row (and re-raised for the caller's retry): `failed` when
    Kapacitor rejected the task or this was the last attempt, else still `pending`.
    """
    model = MODELS[kind]
    row = model.objects.filter(pk=pk).first()
    if row is None:
        return None
    # Only the revision read here may be marked synced; a newer change has its own sync queued.
    current = model.objects.filter(pk=pk, revision=row.revision)
    try:
        client = client or KapacitorClient()
        if row.removed_at:
            client.delete_task(row.task_id)
        else:
            push(client, kind, row)
    except KapacitorNotConfigured as exc:
        current.update(sync_status=SyncStatus.PENDING, sync_error=exc.message)
        return SyncStatus.PENDING
    except KapacitorError as exc:
        status = SyncStatus.PENDING if exc.transient and not final_attempt else SyncStatus.FAILED
        current.update(sync_status=status, sync_error=exc.message, sync_attempts=F("sync_attempts") + 1)
        logger.warning("Kapacitor sync of %s failed: %s", row.task_id, exc.message)
        raise
    if row.removed_at:
        current.delete()
        return None
    current.update(sync_status=SyncStatus.SYNCED, sync_error="", sync_attempts=0, synced_at=timezone.now())
    return SyncStatus.SYNCED


def sync_now(rows):
    """The admin's "sync now": sync each row at once; returns (synced or removed, failed)."""
    done = failed = 0
    for row in rows:
        try:
            # PENDING means there is no Kapacitor to sync with (KAPACITOR_URL unset).
            synced = sync_alert_task(row.kind, row.pk) != SyncStatus.PENDING
        except KapacitorError:
            synced = False
        if synced:
            done += 1
        else:
            failed += 1
    return done, failed


def out_of_step(kind, row, remote):
    if row.removed_at or remote is None or row.sync_status != SyncStatus.SYNCED:
        return True
    expected = tickscript.kapacitor_task(kind, row.config())
    return (
        remote.get("script") != expected["script"]
        or remote.get("vars") != expected["vars"]
        # Disabled by hand in Kapacitor: the database says the alert is on.
        or remote.get("status", "enabled") != "enabled"
    )


def reconcile_alert_tasks():
    """Repair drift both ways: push every row Kapacitor lacks or holds differently, finish
    pending removals, and remove errorhub-owned Kapacitor tasks that have no row here."""
    summary = {"pushed": 0, "removed": 0, "orphans_removed": 0, "failed": 0}
    try:
        client = KapacitorClient()
        # Listed before the rows are read: a task pushed after this listing belongs to a row read below.
        remote = {task["id"]: task for task in client.tasks()}
    except KapacitorError as exc:
        logger.warning("Kapacitor reconcile skipped: %s", exc.message)
        return summary
    known = set()
    for kind, model in MODELS.items():
        for row in model.objects.all():
            known.add(row.task_id)
            if not out_of_step(kind, row, remote.get(row.task_id)):
                continue
            try:
                gone = sync_alert_task(kind, row.pk, client=client) is None
                summary["removed" if gone else "pushed"] += 1
            except KapacitorError:
                summary["failed"] += 1
    for task_id, task in remote.items():
        owner = (task.get("vars") or {}).get(tickscript.OWNER_VAR, {}).get("value")
        if task_id not in known and owner == tickscript.OWNER:
            try:
                client.delete_task(task_id)
                summary["orphans_removed"] += 1
            except KapacitorError:
                summary["failed"] += 1
    return summary
