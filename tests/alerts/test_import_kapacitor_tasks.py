"""Operators adopt the tasks an old kapacitor-alerts-api left in Kapacitor."""

from io import StringIO

from django.core.management import call_command

from alerts.models import CrashedTask, FiveXXTask, MemoryTask, ReleasedTask


def string_vars(**values):
    return {name: {"value": value, "type": "string", "description": name} for name, value in values.items()}


def seed_old_tasks(fake):
    """250 tasks as the Go service wrote them (crit/warn as int vars), plus unreadable ones."""
    for n in range(70):
        fake.add_task(f"app{n:03d}-5xx", "batch\n", string_vars(app=f"app{n:03d}", tolerance="high", slack="#"))
        fake.add_task(f"app{n:03d}-crash", "batch\n", string_vars(app=f"app{n:03d}", slack="#ops", email="a@b.io"))
        fake.add_task(f"app{n:03d}-release", "batch\n", string_vars(app=f"app{n:03d}", post="https://h.example/x"))
    for n in range(40):
        memory = string_vars(app=f"app{n:03d}", dynotyperequest="web", window="12h", every="1m", slack="#mem")
        memory.update(crit={"value": 1000, "type": "int"}, warn={"value": 800, "type": "int"})
        fake.add_task(f"app{n:03d}-sample.memory_total-web", "batch\n", memory)
    fake.add_task("legacy-memory", "batch\n", string_vars(app="legacy"))  # the pre-dyno id form
    fake.add_task("broken-5xx", "batch\n", string_vars(app="broken", slack="#x"))  # no tolerance var
    fake.add_task("nodyno-sample.memory_total-web", "batch\n", string_vars(app="nodyno", slack="#x"))
    fake.add_task("hostile-release", "batch\n", string_vars(app='x"; drop', slack="#x"))


def import_tasks():
    out = StringIO()
    call_command("import_kapacitor_tasks", stdout=out)
    return out.getvalue()


def test_import_pages_through_every_task_and_reports_the_rest(fake_kapacitor, db):
    seed_old_tasks(fake_kapacitor)

    first = import_tasks()

    assert "254 Kapacitor tasks: 250 imported, 0 updated, 0 unchanged, 4 skipped" in first
    assert "Skipping legacy-memory: not an alerts-api task id" in first
    assert "Skipping broken-5xx: var tolerance is missing" in first
    assert "Skipping nodyno-sample.memory_total-web: var dynotype is missing" in first
    assert "Skipping hostile-release: app may contain only letters" in first
    assert (FiveXXTask.objects.count(), CrashedTask.objects.count(), ReleasedTask.objects.count()) == (70, 70, 70)
    memory = MemoryTask.objects.get(pk="app039-sample.memory_total-web")
    assert (memory.dynotype, memory.crit, memory.warn, memory.window, memory.sync_status) == (
        "web", "1000", "800", "12h", "synced"
    )  # fmt: skip
    assert FiveXXTask.objects.get(app="app000").slack == "#"

    second = import_tasks()

    assert "254 Kapacitor tasks: 0 imported, 0 updated, 250 unchanged, 4 skipped" in second
    assert fake_kapacitor.writes() == []


def test_import_updates_a_task_changed_in_kapacitor(fake_kapacitor, db):
    fake_kapacitor.add_task("shop-5xx", "batch\n", string_vars(app="shop", tolerance="low", slack="#a"))
    import_tasks()
    fake_kapacitor.tasks["shop-5xx"]["vars"] = string_vars(app="shop", tolerance="medium", slack="#a")
    assert "0 imported, 1 updated" in import_tasks()
    assert FiveXXTask.objects.get(app="shop").tolerance == "medium"


def test_import_never_overwrites_a_change_waiting_to_sync(fake_kapacitor, db):
    fake_kapacitor.add_task("shop-5xx", "batch\n", string_vars(app="shop", tolerance="low", slack="#a"))
    import_tasks()
    FiveXXTask.objects.filter(app="shop").update(tolerance="high", sync_status="failed")

    assert "1 skipped" in import_tasks()
    assert FiveXXTask.objects.get(app="shop").tolerance == "high"


def test_import_does_nothing_without_run_migration_when_asked_so(fake_kapacitor, db, settings):
    fake_kapacitor.add_task("shop-5xx", "batch\n", string_vars(app="shop", tolerance="low", slack="#a"))
    settings.RUN_MIGRATION = False
    call_command("import_kapacitor_tasks", "--if-run-migration", stdout=StringIO())
    assert not FiveXXTask.objects.exists()
    settings.RUN_MIGRATION = True
    call_command("import_kapacitor_tasks", "--if-run-migration", stdout=StringIO())
    assert FiveXXTask.objects.filter(app="shop").exists()
