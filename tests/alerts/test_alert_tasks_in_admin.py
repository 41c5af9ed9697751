"""Operators see each alert task's sync state in the admin and can sync it at once."""

from accounts.models import User
from alerts.models import FiveXXTask
from tests.support.api import post_json


def test_admin_lists_sync_status_and_syncs_now(operator, client, fake_kapacitor, django_capture_on_commit_callbacks):
    fake_kapacitor.down()
    with django_capture_on_commit_callbacks(execute=True):
        post_json(operator, "/task/5xx", {"app": "shop", "tolerance": "low", "slack": "#shop"})
    client.force_login(User.objects.get(email="ops@example.com"))

    listing = client.get("/admin/alerts/fivexxtask/")
    assert listing.status_code == 200
    assert b"shop-5xx" in listing.content and b"pending" in listing.content and b"unreachable" in listing.content
    assert b"Sync now with Kapacitor" in listing.content

    failed = client.post("/admin/alerts/fivexxtask/", {"action": "sync_now", "_selected_action": ["shop"]}, follow=True)
    assert b"1 alert task(s) could not be synced" in failed.content

    fake_kapacitor.down(False)
    synced = client.post("/admin/alerts/fivexxtask/", {"action": "sync_now", "_selected_action": ["shop"]}, follow=True)
    assert b"1 alert task(s) synced with Kapacitor." in synced.content
    assert FiveXXTask.objects.get(app="shop").sync_status == "synced"
    assert list(fake_kapacitor.tasks) == ["shop-5xx"]


def test_sync_now_without_kapacitor_says_it_did_not_sync(operator, client, settings):
    settings.KAPACITOR_URL = ""
    post_json(operator, "/task/5xx", {"app": "shop", "tolerance": "low", "slack": "#shop"})
    client.force_login(User.objects.get(email="ops@example.com"))

    response = client.post(
        "/admin/alerts/fivexxtask/", {"action": "sync_now", "_selected_action": ["shop"]}, follow=True
    )

    assert b"1 alert task(s) could not be synced" in response.content
    assert b"synced with Kapacitor." not in response.content
