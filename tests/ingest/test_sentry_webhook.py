"""Sentry (and the seed collector's users) deliver webhooks; errorhub stores them as issues."""

import copy
import hashlib
import hmac
import json

import pytest

from accounts.models import Project
from issues.models import Event, Issue, IssueActivity
from tests.conftest import load_fixture
from tests.support.api import create_app, post_json

pytestmark = pytest.mark.django_db

SECRET = "integration-client-secret"


def seed_sample():
    """The seed README's sample; its `"mechanism": {...}` placeholder is not JSON, so it becomes {}."""
    return json.loads(load_fixture("sentry_webhook_sample.txt").replace("{...}", "{}"))


def sign(body, secret=SECRET):
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def deliver(client, payload, resource=None, url="/sentry/webhook", **headers):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    if resource:
        headers["HTTP_SENTRY_HOOK_RESOURCE"] = resource
    return client.post(url, body, content_type="application/json", **headers)


def deliver_signed(client, payload, resource):
    """As Sentry sends it: signed with the integration's client secret (SENTRY_WEBHOOK_SECRET)."""
    body = json.dumps(payload)
    return deliver(client, body, resource, HTTP_SENTRY_HOOK_SIGNATURE=sign(body))


SENTRY_PROJECT = {"id": "4", "name": "Checkout", "slug": "checkout"}
ISSUE = {
    "id": "1170820242",
    "shortId": "CHECKOUT-3",
    "title": "ZeroDivisionError: division by zero",
    "culprit": "cart.totals in average",
    "permalink": "https://sentry.example.com/organizations/acme/issues/1170820242/",
    "level": "error",
    "status": "unresolved",
    "logger": None,
    "platform": "python",
    "project": SENTRY_PROJECT,
    "firstSeen": "2026-11-24T09:00:00.000000Z",
}
EVENT = {
    "event_id": "7f3c2a0e9b4d4c6e8a1b2c3d4e5f6a7b",
    "issue_id": "1170820242",
    "project": 4,
    "platform": "python",
    "level": "error",
    "logger": "cart",
    "culprit": "cart.totals in average",
    "title": "ZeroDivisionError: division by zero",
    "datetime": "2026-11-24T09:15:30.250000Z",
    "environment": "production",
    "release": {"version": "checkout@2.4.1"},
    "tags": [["environment", "production"], ["server_name", "web-3"]],
    "user": {"id": "u-42", "email": "ada@example.com"},
    "url": "https://sentry.example.com/api/0/projects/acme/checkout/events/7f3c2a0e9b4d4c6e8a1b2c3d4e5f6a7b/",
    "web_url": "https://sentry.example.com/organizations/acme/issues/1170820242/events/7f3c2a0e/",
    "exception": {
        "values": [
            {
                "type": "ZeroDivisionError",
                "value": "division by zero",
                "stacktrace": {
                    "frames": [
                        {"filename": "cart/views.py", "function": "checkout", "lineno": 12, "in_app": True},
                        {
                            "filename": "cart/totals.py",
                            "abs_path": "/srv/cart/totals.py",
                            "function": "average",
                            "lineno": 31,
                            "in_app": True,
                            "context_line": "    return total / count",
                        },
                    ]
                },
            }
        ]
    },
}


def issue_delivery(action, **issue_changes):
    return {
        "action": action,
        "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
        "data": {"issue": {**ISSUE, **issue_changes}},
        "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
    }


def event_alert(**event_changes):
    return {
        "action": "triggered",
        "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
        "data": {"event": {**copy.deepcopy(EVENT), **event_changes}, "triggered_rule": "Page the cart team"},
        "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
    }


def test_the_seed_sample_is_saved_and_listed_by_the_collector_api(client, settings):
    settings.ERRORHUB_OPEN_LEGACY_API = True
    response = deliver(client, seed_sample())

    assert response.status_code == 201, response.content
    saved = response.json()
    assert (saved["message"], saved["event_id"]) == ("Error saved successfully", "abc123...")
    issue = Issue.objects.get(project__slug="my-project")
    assert (issue.fingerprint, issue.source, issue.event_count) == ("upstream:123456", "sentry_webhook", 1)

    rows = client.get("/errors").json()
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == saved["id"]
    assert {k: row[k] for k in ("event_id", "project", "project_slug", "project_id", "message")} == {
        "event_id": "abc123...",
        "project": "My Project",
        "project_slug": "my-project",
        "project_id": "123",
        "message": "Error message",
    }
    assert (row["exception_type"], row["exception_value"]) == ("ValueError", "Something bad happened")
    assert row["stacktrace"] == '  File "file.py", line 42, in function_name'
    assert (row["issue_id"], row["issue_short_id"], row["issue_status"]) == ("123456", "ABC-1", "unresolved")
    assert (row["event_platform"], row["event_logger"], row["event_level"]) == ("python", "root", "error")
    assert row["timestamp"] == "2009-02-13T23:31:30.123000+00:00"
    assert row["full_payload"] == seed_sample()
    assert client.get("/errors/latest").json() == row


def test_the_seed_sample_as_printed_is_not_json_and_gets_a_400(client):
    response = deliver(client, load_fixture("sentry_webhook_sample.txt"))

    assert response.status_code == 400
    assert response.json() == {"detail": "Body is not valid JSON", "field": "body"}


def test_signed_deliveries_need_the_right_secret_and_a_retry_counts_once(client, settings):
    settings.SENTRY_WEBHOOK_SECRET = SECRET
    body = json.dumps(event_alert())

    unsigned = deliver(client, body, "event_alert")
    wrong = deliver(client, body, "event_alert", HTTP_SENTRY_HOOK_SIGNATURE=sign(body, "another-secret"))
    assert (unsigned.status_code, wrong.status_code) == (401, 401)
    assert wrong.json() == {"detail": "Invalid webhook signature", "field": "Sentry-Hook-Signature"}
    assert not Event.objects.exists()

    first = deliver(client, body, "event_alert", HTTP_SENTRY_HOOK_SIGNATURE=sign(body))
    retry = deliver(client, body, "event_alert", HTTP_SENTRY_HOOK_SIGNATURE=sign(body))

    assert first.status_code == 201
    assert first.json()["message"] == "Error saved successfully"
    assert retry.status_code == 201
    assert retry.json() == {"message": "Error already exists", "event_id": EVENT["event_id"]}
    issue = Issue.objects.get()
    assert (issue.fingerprint, issue.event_count) == ("upstream:1170820242", 1)
    assert Event.objects.count() == 1


def test_legacy_service_hooks_are_verified_with_their_own_header(client, settings):
    settings.SENTRY_WEBHOOK_SECRET = SECRET
    body = json.dumps({"project": {"slug": "checkout", "name": "Checkout"}, "group": ISSUE, "event": EVENT})

    response = deliver(client, body, HTTP_X_SERVICEHOOK_SIGNATURE=sign(body))

    assert response.status_code == 201, response.content
    issue = Issue.objects.get(project__slug="checkout")
    assert (issue.fingerprint, issue.event_count) == ("upstream:1170820242", 1)

    # Some hooks name the project by its slug alone.
    body = json.dumps({"project": "checkout", "group": ISSUE, "event": {**EVENT, "event_id": "second"}})
    assert deliver(client, body, HTTP_X_SERVICEHOOK_SIGNATURE=sign(body)).status_code == 201
    issue.refresh_from_db()
    assert issue.event_count == 2


def test_every_occurrence_resource_lands_in_the_upstream_issue(client):
    assert deliver(client, issue_delivery("created"), "issue").status_code == 201
    assert deliver(client, event_alert(), "event_alert").status_code == 201
    error = event_alert(event_id="0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e")
    error["action"] = "created"
    error["data"] = {"error": error["data"]["event"]}
    assert deliver(client, error, "error").status_code == 201

    issue = Issue.objects.get()
    assert issue.project.slug == "checkout"
    assert (issue.fingerprint, issue.event_count, issue.title) == (
        "upstream:1170820242",
        3,
        "ZeroDivisionError: division by zero",
    )
    event = Event.objects.get(event_id=EVENT["event_id"])
    assert (event.exception_type, event.exception_value, event.level) == (
        "ZeroDivisionError",
        "division by zero",
        "error",
    )
    assert (event.environment, event.release, event.user) == ("production", "checkout@2.4.1", "u-42")
    assert event.tags == {"environment": "production", "server_name": "web-3"}
    assert [f["function"] for f in event.frames] == ["checkout", "average"]
    assert event.timestamp.isoformat() == "2026-11-24T09:15:30.250000+00:00"
    # issue/created has no event: the occurrence is dated by the issue's own times.
    assert Event.objects.get(event_id="sentry-issue-1170820242").timestamp.isoformat() == "2026-11-24T09:00:00+00:00"


def test_a_status_change_that_overtakes_the_worker_is_not_lost(client, settings):
    settings.SENTRY_WEBHOOK_SECRET = SECRET
    from errorhub.celery import app

    app.conf.task_always_eager = False  # a worker will digest later; it has not run yet
    deliver_signed(client, issue_delivery("created"), "issue")
    post_json(client, "/api/events/batch", load_fixture("healthguard_batch.json"))
    assert not Issue.objects.exists()

    resolved = deliver_signed(client, issue_delivery("resolved", status="resolved"), "issue")

    assert resolved.json()["message"] == "Issue status updated"
    assert (Issue.objects.get().status, Issue.objects.get().event_count) == ("resolved", 1)
    # Only that issue's events were digested in the request; the rest wait for the worker.
    assert Event.objects.get(source="healthguard").digested is False


def test_issue_status_webhooks_resolve_archive_and_reopen_the_issue(client, settings):
    settings.SENTRY_WEBHOOK_SECRET = SECRET
    deliver_signed(client, issue_delivery("created"), "issue")
    issue = Issue.objects.get()

    resolved = deliver_signed(client, issue_delivery("resolved", status="resolved"), "issue")
    assert resolved.status_code == 200
    assert resolved.json() == {"message": "Issue status updated", "issue_id": issue.id, "status": "resolved"}
    issue.refresh_from_db()
    assert issue.status == "resolved"

    assert deliver_signed(client, issue_delivery("archived", status="ignored"), "issue").status_code == 200
    issue.refresh_from_db()
    assert issue.status == "ignored"

    assert deliver_signed(client, issue_delivery("unresolved"), "issue").status_code == 200
    issue.refresh_from_db()
    assert issue.status == "unresolved"
    assert list(IssueActivity.objects.filter(issue=issue).order_by("id").values_list("kind", flat=True)) == [
        "first_seen",
        "resolved",
        "ignored",
        "reopened",
    ]
    assert issue.event_count == 1


def test_deliveries_errorhub_does_not_act_on_are_acknowledged(client, settings):
    settings.SENTRY_WEBHOOK_SECRET = SECRET
    for resource, payload in [
        ("installation", {"action": "created", "installation": {"uuid": "x"}, "data": {}}),
        ("comment", {"action": "created", "data": {"comment": "looking", "issue_id": 1}}),
        ("metric_alert", {"action": "critical", "data": {"metric_alert": {}}}),
        ("issue", issue_delivery("assigned")),
        ("issue", issue_delivery("resolved", id="999")),
    ]:
        response = deliver_signed(client, payload, resource)
        assert response.status_code == 200, (resource, response.content)
        assert response.json()["status"] == "ignored"
    assert not Event.objects.exists()
    assert not Issue.objects.exists()


def test_an_unsigned_status_change_without_the_key_changes_nothing(client, owner):
    """Without SENTRY_WEBHOOK_SECRET anyone can post a delivery naming a slug: it may add events
    to a project open ingest created, never resolve an issue (nor touch a person's project)."""
    deliver(client, issue_delivery("created"), "issue")
    issue = Issue.objects.get()

    response = deliver(client, issue_delivery("resolved", status="resolved"), "issue")
    assert response.status_code == 401
    assert response.json()["field"] == "Sentry-Hook-Signature"
    issue.refresh_from_db()
    assert issue.status == "unresolved"

    app_key = create_app(owner, "Billing")
    billing = {**SENTRY_PROJECT, "name": "Billing", "slug": "billing"}
    assert (
        deliver(client, issue_delivery("created", project=billing), "issue", HTTP_X_ERRORHUB_KEY=app_key).status_code
        == 201
    )
    billing_issue = Issue.objects.get(project__app_key=app_key)
    # Unsigned and keyless: refused before anything is looked up or created.
    response = deliver(client, issue_delivery("resolved", status="resolved", project=billing), "issue")
    assert response.status_code == 401
    # Keyless event deliveries do not reach a person's project either.
    response = deliver(client, issue_delivery("created", project=billing, id="77"), "issue")
    assert response.status_code == 401
    assert response.json()["field"] == "project.slug"
    billing_issue.refresh_from_db()
    assert (billing_issue.status, Issue.objects.filter(project__app_key=app_key).count()) == ("unresolved", 1)

    # With the project's key the same status change goes through.
    keyed = deliver(
        client, issue_delivery("resolved", status="resolved", project=billing), "issue", HTTP_X_ERRORHUB_KEY=app_key
    )
    assert keyed.json()["message"] == "Issue status updated"
    billing_issue.refresh_from_db()
    assert billing_issue.status == "resolved"


@pytest.mark.parametrize(
    ("resource", "payload", "field"),
    [
        (None, "[1, 2]", "body"),
        ("issue", {"data": {"issue": ISSUE}}, "action"),
        ("event_alert", {"action": "triggered", "data": {}}, "data.event"),
        ("event_alert", {"action": "triggered", "data": "event"}, "data"),
        ("issue", {"action": "resolved", "data": {"issue": {"title": "x"}}}, "data.issue.id"),
        ("event_alert", event_alert(datetime="yesterday"), "data.event.datetime"),
        ("issue", issue_delivery("created", firstSeen=[2026]), "data.issue.firstSeen"),
        ("error", {"action": "created", "data": {"error": {"title": "no ids"}}}, "data.error.event_id"),
    ],
)
def test_bad_deliveries_get_a_400_naming_the_field(client, resource, payload, field):
    response = deliver(client, payload, resource)

    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert response.json()["detail"]


def test_a_project_key_decides_the_project_and_an_unknown_key_is_refused(client, owner):
    app_key = create_app(owner, "Checkout")

    assert deliver(client, event_alert(), "event_alert", url="/sentry/webhook?key=nope").status_code == 401
    response = deliver(client, event_alert(), "event_alert", url=f"/sentry/webhook?key={app_key}")

    assert response.status_code == 201
    assert Issue.objects.get().project.app_key == app_key


def test_closed_ingest_refuses_unknown_projects(client, settings):
    settings.ERRORHUB_OPEN_INGEST = False

    response = deliver(client, event_alert(), "event_alert")

    assert response.status_code == 401
    # No key was sent: the payload's project slug is what was refused.
    assert response.json()["field"] == "project.slug"
    assert not Project.objects.filter(slug="checkout").exists()


def test_sentry_issues_show_in_the_shared_issue_lists_with_their_source(client, owner):
    app_key = create_app(owner, "Checkout")
    deliver(client, event_alert(), "event_alert", url=f"/sentry/webhook?key={app_key}")

    issues = owner.get("/api/issues").json()["issues"]
    native = owner.get("/api/v1/issues/?source=sentry_webhook").json()["results"]

    assert [(i["fingerprint"], i["source"], i["eventCount"], i["errorType"]) for i in issues] == [
        ("upstream:1170820242", "sentry_webhook", 1, "ZeroDivisionError")
    ]
    assert [(i["fingerprint"], i["source"]) for i in native] == [("upstream:1170820242", "sentry_webhook")]


def test_odd_field_types_are_stored_and_read_back_without_crashing(client, settings):
    settings.ERRORHUB_OPEN_LEGACY_API = True
    odd = event_alert(
        exception={"values": [{"type": "E" * 900, "stacktrace": {"frames": [{"pre_context": 5, "vars": "x"}, 7]}}]},
        tags=[["a"], {"key": "b", "value": 2}, "c"],
        user=["u"],
        release=None,
        level="critical",
        title={"not": "text"},
    )
    odd["data"]["event"]["issue_id"] = "9" * 300

    response = deliver(client, odd, "event_alert")

    assert response.status_code == 201, response.content
    event = Event.objects.get()
    assert (len(event.exception_type), event.level, event.tags) == (500, "fatal", {"b": "2"})
    assert event.frames == [{}]
    assert len(Issue.objects.get().fingerprint) <= 255
    row = client.get("/errors/latest").json()
    assert row["stacktrace"] == '  File "unknown", line ?, in unknown'
    assert client.get("/errors/latest/stacktrace").status_code == 200


def test_nul_characters_and_absurd_nesting_never_make_a_500(client):
    body = event_alert(message="before\u0000after")

    stored = deliver(client, body, "event_alert")
    nested = deliver(client, "[" * 100_000 + "]" * 100_000, "event_alert")

    assert stored.status_code == 201
    assert Event.objects.get().message == "before\ufffdafter"
    assert nested.status_code == 400
    assert nested.json() == {"detail": "Body is not valid JSON", "field": "body"}


def test_other_methods_get_a_json_405(client):
    for url in ("/sentry/webhook", "/glitchtip/webhook"):
        response = client.get(url)
        assert response.status_code == 405
        assert response.json() == {"detail": "Method GET is not allowed here"}
    assert client.put("/errors/latest").json() == {"error": "Method PUT is not allowed here"}
