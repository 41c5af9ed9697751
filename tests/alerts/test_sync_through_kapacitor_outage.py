"""A Kapacitor outage never loses a request and never leaves a duplicate or an orphan."""

import pytest

from alerts.tasks import reconcile_alert_tasks
from tests.support.api import post_json
from tests.support.worker import wait_until

FIVEXX = {"app": "shop-prod", "tolerance": "medium", "slack": "#shop"}
RELEASE = {"app": "shop-prod", "email": "team@example.com"}


def status_of(client, url):
    response = client.get(url)
    return response.json()["sync_status"] if response.status_code == 200 else response.status_code


def test_outage_then_reconcile_brings_tasks_in_step(operator, fake_kapacitor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_json(operator, "/task/release", RELEASE)
    assert status_of(operator, "/task/release/shop-prod") == "synced"

    fake_kapacitor.down()
    with django_capture_on_commit_callbacks(execute=True):
        created = post_json(operator, "/task/5xx", FIVEXX)
        deleted = operator.delete("/task/release/shop-prod")
    assert created.status_code == 201 and created.json()["sync_status"] == "pending"
    assert deleted.status_code == 200
    pending = operator.get("/task/5xx/shop-prod").json()
    assert pending["sync_status"] == "pending" and "unreachable" in pending["sync_error"]
    # Deleted for the API at once, though Kapacitor still runs it.
    assert operator.get("/task/release/shop-prod").status_code == 404
    assert list(fake_kapacitor.tasks) == ["shop-prod-release"]

    reconcile_alert_tasks.delay()  # beat's periodic run while Kapacitor is still down: changes nothing
    assert status_of(operator, "/task/5xx/shop-prod") == "pending"

    fake_kapacitor.down(False)
    reconcile_alert_tasks.delay()
    assert status_of(operator, "/task/5xx/shop-prod") == "synced"
    assert list(fake_kapacitor.tasks) == ["shop-prod-5xx"]
    assert [path for method, path in fake_kapacitor.writes() if method == "POST"] == ["/kapacitor/v1/tasks"] * 2

    reconcile_alert_tasks.delay()  # in step now: a further run writes nothing
    writes = len(fake_kapacitor.writes())
    reconcile_alert_tasks.delay()
    assert len(fake_kapacitor.writes()) == writes


def test_reconcile_repairs_drift_both_ways(operator, fake_kapacitor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_json(operator, "/task/5xx", FIVEXX)
        post_json(operator, "/task/release", RELEASE)
    original_script = fake_kapacitor.tasks["shop-prod-5xx"]["script"]
    del fake_kapacitor.tasks["shop-prod-release"]  # removed by hand in Kapacitor
    fake_kapacitor.tasks["shop-prod-5xx"]["script"] = "batch\n    |query('SELECT 1')\n"  # edited by hand
    fake_kapacitor.add_task("gone-app-crash", "batch\n", {"managedby": {"value": "errorhub", "type": "string"}})
    fake_kapacitor.add_task("someone-elses-task", "stream\n", {})

    reconcile_alert_tasks.delay()

    assert sorted(fake_kapacitor.tasks) == ["shop-prod-5xx", "shop-prod-release", "someone-elses-task"]
    assert fake_kapacitor.tasks["shop-prod-5xx"]["script"] == original_script


def test_kapacitor_rejection_marks_the_task_failed_with_its_error(
    operator, fake_kapacitor, django_capture_on_commit_callbacks
):
    fake_kapacitor.fail_next("update", 400, "invalid TICKscript: something upstream changed")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(operator, "/task/5xx", FIVEXX)
    assert response.status_code == 201
    task = operator.get("/task/5xx/shop-prod").json()
    assert task["sync_status"] == "failed"
    assert task["sync_error"] == "invalid TICKscript: something upstream changed"


def test_a_sync_that_finds_the_task_created_meanwhile_updates_it(
    operator, fake_kapacitor, django_capture_on_commit_callbacks
):
    # Another sync of the same row created the task between our PATCH (404) and our POST.
    fake_kapacitor.add_task("shop-prod-5xx", "batch\n", {})
    fake_kapacitor.fail_next("update", 404, "no task exists")
    with django_capture_on_commit_callbacks(execute=True):
        post_json(operator, "/task/5xx", FIVEXX)

    assert operator.get("/task/5xx/shop-prod").json()["sync_status"] == "synced"
    patch, post = ("PATCH", "/kapacitor/v1/tasks/shop-prod-5xx"), ("POST", "/kapacitor/v1/tasks")
    assert fake_kapacitor.writes() == [patch, post, patch]
    assert fake_kapacitor.tasks["shop-prod-5xx"]["vars"]["managedby"]["value"] == "errorhub"


def test_an_unreadable_answer_from_kapacitor_is_an_error_not_a_crash(operator, fake_kapacitor):
    post_json(operator, "/task/5xx", FIVEXX)
    fake_kapacitor.fail_next("topics", 200, body="<html>proxy login</html>")

    response = operator.get("/task/5xx/shop-prod/state")

    assert response.status_code == 503
    assert "unreadable answer" in response.json()["error"]


def test_reconcile_re_enables_a_task_disabled_by_hand(operator, fake_kapacitor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_json(operator, "/task/5xx", FIVEXX)
    fake_kapacitor.tasks["shop-prod-5xx"]["status"] = "disabled"

    reconcile_alert_tasks.delay()

    assert fake_kapacitor.tasks["shop-prod-5xx"]["status"] == "enabled"


def test_slow_kapacitor_leaves_the_task_pending_without_hanging_the_request(
    operator, fake_kapacitor, settings, django_capture_on_commit_callbacks
):
    settings.KAPACITOR_TIMEOUT_SECONDS = 0.2
    fake_kapacitor.slow(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(operator, "/task/crashed", RELEASE)
    fake_kapacitor.slow(0)
    assert response.status_code == 201
    assert operator.get("/task/crashed/shop-prod").json()["sync_status"] == "pending"


def test_without_kapacitor_url_tasks_are_stored_pending(operator, settings, django_capture_on_commit_callbacks):
    settings.KAPACITOR_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(operator, "/task/5xx", FIVEXX)
    assert response.status_code == 201
    task = operator.get("/task/5xx/shop-prod").json()
    assert (task["sync_status"], task["sync_error"]) == ("pending", "KAPACITOR_URL is not set")


@pytest.mark.services
def test_worker_syncs_after_outage_and_removes_deleted_task(celery_worker, fake_kapacitor, operator):
    """The same story with a real Celery worker on Redis (its KAPACITOR_URL is the fake's)."""
    post_json(operator, "/task/release", RELEASE)
    assert wait_until(lambda: status_of(operator, "/task/release/shop-prod") == "synced")

    fake_kapacitor.down()
    created = post_json(operator, "/task/5xx", FIVEXX)
    assert created.status_code == 201 and created.json()["sync_status"] == "pending"
    assert operator.delete("/task/release/shop-prod").status_code == 200
    assert wait_until(lambda: "unreachable" in operator.get("/task/5xx/shop-prod").json()["sync_error"])

    fake_kapacitor.down(False)
    reconcile_alert_tasks.delay()  # as beat would; the worker's own retries may get there first
    assert wait_until(lambda: status_of(operator, "/task/5xx/shop-prod") == "synced")
    assert wait_until(lambda: list(fake_kapacitor.tasks) == ["shop-prod-5xx"])
    assert [path for method, path in fake_kapacitor.writes() if method == "POST"] == ["/kapacitor/v1/tasks"] * 2
