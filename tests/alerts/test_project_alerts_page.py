"""One alerts page per project in the admin: its issue alert rules (with their targets'
health and deliveries) beside the Kapacitor alert tasks linked to it, with their sync state."""

from accounts.models import User
from alerts.models import AlertTarget, FiveXXTask
from tests.support.api import TokenClient, patch_json, post_json, register


def shop_project(operator):
    response = post_json(operator, "/api/v1/projects/", {"name": "Shop"})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_kapacitor_task_is_linked_to_a_project_through_the_alerts_api(operator):
    project = shop_project(operator)

    created = post_json(
        operator, "/task/5xx", {"app": "shop", "tolerance": "low", "slack": "#shop", "project": project["id"]}
    )
    assert created.status_code == 201 and created.json()["project"] == project["id"]
    assert operator.get("/task/5xx/shop").json()["project"] == project["id"]
    by_slug = post_json(operator, "/task/crashed", {"app": "shop", "slack": "#shop", "project": project["slug"]})
    assert by_slug.json()["project"] == project["id"]

    # A PATCH without `project` keeps the link; null removes it.
    assert patch_json(operator, "/task/5xx", {"app": "shop", "tolerance": "high"}).json()["project"] == project["id"]
    assert "project" not in patch_json(operator, "/task/5xx", {"app": "shop", "project": None}).json()

    unknown = post_json(operator, "/task/release", {"app": "shop", "slack": "#shop", "project": 999999})
    assert unknown.status_code == 400 and unknown.json()["field"] == "project"
    wrong_type = post_json(operator, "/task/release", {"app": "shop", "slack": "#shop", "project": ["shop"]})
    assert wrong_type.status_code == 400 and wrong_type.json()["field"] == "project"
    assert FiveXXTask.objects.get(app="shop").project_id is None


def test_the_alerts_page_shows_rules_targets_deliveries_and_linked_tasks(operator, client, webhook, mailbox):
    project = shop_project(operator)
    post_json(operator, "/task/5xx", {"app": "shop", "tolerance": "low", "slack": "#shop", "project": project["id"]})
    post_json(operator, "/task/5xx", {"app": "other-app", "tolerance": "low", "slack": "#other"})
    webhook.status, webhook.answer = 503, b"down for maintenance"
    rule = post_json(operator, "/api/v1/alert-rules/", {
        "project": project["id"], "name": "Checkout on call",
        "triggers": ["new_issue", {"kind": "spike", "count": 50, "minutes": 5}], "min_level": "error",
        "targets": [{"kind": "webhook", "url": webhook.url}, {"kind": "email", "to": ["oncall@example.com"]}],
    }).json()  # fmt: skip
    operator.post(f"/api/v1/alert-rules/{rule['id']}/test/")
    client.force_login(User.objects.get(email="ops@example.com"))

    page = client.get(f"/admin/alerts/alertrule/project/{project['id']}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Alerts of Shop" in html and "Checkout on call" in html
    assert "new_issue, spike (50 events in 5 min)" in html and "level ≥ error" in html
    assert "failing: HTTP 503 down for maintenance" in html
    assert "oncall@example.com" in html
    assert "shop-5xx" in html and "pending" in html and "other-app-5xx" not in html

    listing = client.get("/admin/alerts/alertrule/").content.decode()
    assert f'href="/admin/alerts/alertrule/project/{project["id"]}/"' in listing and "2 (1 failing)" in listing
    assert "Checkout on call" in client.get("/admin/alerts/alertrule/?targets__failing__exact=1").content.decode()
    assert AlertTarget.objects.filter(failing=True).count() == 1


def test_the_admin_links_a_kapacitor_task_to_a_project(operator, client):
    project = shop_project(operator)
    post_json(operator, "/task/5xx", {"app": "shop", "tolerance": "low", "slack": "#shop"})
    client.force_login(User.objects.get(email="ops@example.com"))

    response = client.post("/admin/alerts/fivexxtask/shop/change/", {"project": project["id"]})

    assert response.status_code == 302, response.content
    task = FiveXXTask.objects.get(app="shop")
    assert task.project_id == project["id"] and task.revision == 1  # nothing to sync: Kapacitor never sees it
    assert "shop-5xx" in client.get(f"/admin/alerts/alertrule/project/{project['id']}/").content.decode()


def test_staff_see_only_the_alerts_pages_of_their_projects(operator, client):
    project = shop_project(operator)
    post_json(operator, "/api/v1/alert-rules/", {
        "project": project["id"], "name": "Checkout on call", "triggers": ["new_issue"],
        "targets": [{"kind": "email", "to": ["oncall@example.com"]}],
    })  # fmt: skip
    TokenClient(register(client, "staff@example.com"))
    staff = User.objects.get(email="staff@example.com")
    staff.is_staff = True
    staff.save()
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_alertrule"))
    client.force_login(staff)

    assert client.get(f"/admin/alerts/alertrule/project/{project['id']}/").status_code == 404
    assert "Checkout on call" not in client.get("/admin/alerts/alertrule/").content.decode()
