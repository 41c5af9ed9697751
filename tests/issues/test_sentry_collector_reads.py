"""Readers of the Sentry Error Collector's API (/errors, /errors/latest, ...) see webhook errors."""

import json

import pytest

from tests.support.api import create_app

pytestmark = pytest.mark.django_db


def event_alert(event_id, issue_id="9001", title="ValueError: bad cart", **event):
    frames = [
        {"filename": "cart/app.py", "abs_path": "/srv/cart/app.py", "function": "handle", "lineno": 10},
        {
            "filename": "cart/totals.py",
            "abs_path": "/srv/cart/totals.py",
            "function": "total",
            "lineno": 20,
            "pre_context": ["def total(cart):"],
            "context_line": "    raise ValueError('bad cart')",
            "post_context": [""],
            "vars": {"cart": "{}"},
        },
    ]
    return {
        "action": "triggered",
        "data": {
            "event": {
                "event_id": event_id,
                "issue_id": issue_id,
                "title": title,
                "message": "",
                "platform": "python",
                "level": "error",
                "timestamp": 1795000000.5,
                "exception": {
                    "values": [{"type": "ValueError", "value": "bad cart", "stacktrace": {"frames": frames}}]
                },
                **event,
            }
        },
    }


def deliver(client, payload, key=""):
    return client.post(
        f"/sentry/webhook?key={key}" if key else "/sentry/webhook",
        json.dumps(payload),
        content_type="application/json",
        HTTP_SENTRY_HOOK_RESOURCE="event_alert",
    )


def test_reads_need_a_token_unless_the_legacy_api_is_open(client, settings):
    for url in ("/errors", "/errors/latest", "/errors/latest/stacktrace", "/config"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.json() == {"error": "Unauthorized"}

    settings.ERRORHUB_OPEN_LEGACY_API = True
    assert client.get("/errors").json() == []
    assert client.get("/errors/latest").json() == {"error": "not_found"}
    assert client.get("/errors/latest/stacktrace").status_code == 404


def test_errors_are_listed_newest_first_and_only_to_members(client, owner, stranger):
    app_key = create_app(owner, "Cart")
    for event_id in ("e1", "e2", "e3"):
        assert deliver(client, event_alert(event_id), key=app_key).status_code == 201

    rows = owner.get("/errors").json()

    assert [r["event_id"] for r in rows] == ["e3", "e2", "e1"]
    assert [r["event_id"] for r in owner.get("/errors?limit=2").json()] == ["e3", "e2"]
    assert owner.get("/errors/latest").json()["event_id"] == "e3"
    assert stranger.get("/errors").json() == []
    assert stranger.get("/errors/latest").json() == {"error": "not_found"}


def test_a_row_has_the_original_fields_and_the_stacktraces(client, owner):
    app_key = create_app(owner, "Cart")
    deliver(client, event_alert("e1"), key=app_key)

    row = owner.get("/errors/latest").json()

    assert list(row) == [
        "id", "event_id", "project", "project_slug", "project_id", "message", "exception_type",
        "exception_value", "stacktrace", "timestamp", "created_at", "issue_id", "issue_short_id",
        "issue_title", "issue_culprit", "issue_permalink", "issue_level", "issue_logger", "issue_status",
        "event_platform", "event_logger", "event_level", "breadcrumbs", "stacktrace_files",
        "stacktrace_detailed", "full_payload",
    ]  # fmt: skip
    assert (row["project"], row["message"], row["issue_id"]) == ("Cart", "ValueError: bad cart", "9001")
    assert row["stacktrace"] == ('  File "cart/totals.py", line 20, in total\n  File "cart/app.py", line 10, in handle')
    assert row["stacktrace_files"][0]["context_line"] == "    raise ValueError('bad cart')"
    assert row["timestamp"] == "2026-11-18T11:06:40.500000+00:00"

    stacktrace = owner.get("/errors/latest/stacktrace").json()
    assert stacktrace == {
        "stacktrace": 'File "/srv/cart/totals.py", line 20, in total\n'
        "  def total(cart):\n"
        ">     raise ValueError('bad cart')\n"
        "  \n"
        '  Variables: {\n  "cart": "{}"\n}\n'
        '\nFile "/srv/cart/app.py", line 10, in handle\n',
        "message": "ValueError: bad cart",
        "exception_type": "ValueError",
        "exception_value": "bad cart",
    }


def test_issue_status_shown_follows_status_webhooks(client, owner):
    app_key = create_app(owner, "Cart")
    deliver(client, event_alert("e1"), key=app_key)
    resolved = {"action": "resolved", "data": {"issue": {"id": "9001", "status": "resolved"}}}
    response = client.post(
        f"/sentry/webhook?key={app_key}",
        json.dumps(resolved),
        content_type="application/json",
        HTTP_SENTRY_HOOK_RESOURCE="issue",
    )
    assert response.status_code == 200

    assert owner.get("/errors/latest").json()["issue_status"] == "resolved"


def test_config_says_what_is_configured_without_the_secrets(owner, settings):
    settings.SENTRY_WEBHOOK_SECRET = "integration-client-secret"

    response = owner.get("/config")

    assert response.status_code == 200
    body = response.json()
    assert body["sentry"] == {"dsn_configured": False, "webhook_secret_configured": True}
    assert body["glitchtip"] == {"webhook_token_configured": False}
    assert body["database"]["url"].endswith("://***")
    assert "integration-client-secret" not in response.content.decode()


def test_a_bad_limit_gets_a_400_naming_it(owner):
    for limit in ("0", "abc", "%C2%B2"):
        response = owner.get(f"/errors?limit={limit}")
        assert response.status_code == 400
        assert response.json()["field"] == "limit"
    # Asking for more than the maximum is not an error: it gets the maximum (tests/issues/test_bounded_lists.py).
    assert owner.get("/errors?limit=5000").status_code == 200


def test_the_error_list_runs_a_bounded_number_of_queries(client, owner, django_assert_max_num_queries):
    app_key = create_app(owner, "Cart")
    for n in range(20):
        deliver(client, event_alert(f"e{n}", issue_id=str(n)), key=app_key)

    with django_assert_max_num_queries(4):
        rows = owner.get("/errors").json()
    assert len(rows) == 20
