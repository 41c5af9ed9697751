"""Secrets never reach the database, whichever surface they come through: one scrubber filters
the values of sensitive keys and card numbers, and keeps values that merely mention a word."""

import json

import pytest

from tests.conftest import load_fixture
from tests.ingest.test_eventsum_capture import SEED_BASE_HASH
from tests.ingest.test_sentry_glitchtip_webhook import attachment, notification
from tests.ingest.test_sentry_webhook import event_alert
from tests.support.api import create_app, post_json
from tests.support.healthguard import event, seed_batch

pytestmark = pytest.mark.django_db

CARD = "4111 1111 1111 1111"


@pytest.fixture
def app_key(owner):
    return create_app(owner, "Checkout")


def stored_event(owner, source):
    [stored] = owner.get(f"/api/v1/events/?source={source}").json()["results"]
    assert CARD not in json.dumps(stored) and "hunter2" not in json.dumps(stored)
    return stored


def test_periskop_request_headers(client, owner, app_key):
    push = load_fixture("periskop_push.json")
    context = push["aggregated_errors"][0]["latest_errors"][0]["http_context"]
    context["request_headers"] = {"Authorization": "Basic hunter2", "Cookie": "sid=hunter2", "Accept": "auth/*"}
    assert post_json(client, f"/errors?key={app_key}", push).status_code == 200

    headers = {"Authorization": "[Filtered]", "Cookie": "[Filtered]", "Accept": "auth/*"}
    assert stored_event(owner, "periskop")["data"]["http_context"]["request_headers"] == headers
    [aggregate] = owner.get(f"/k/{app_key}/-/errors").json()["aggregated_errors"]
    assert aggregate["latest_errors"][0]["http_context"]["request_headers"] == headers


def test_healthguard_context_request_data_and_breadcrumbs(client, owner, app_key):
    batch = seed_batch(app_key)
    crumb = {"type": "click", "message": "Sign in", "timestamp": 1716191999000, "data": {"category": "auth"}}
    batch["events"] = [
        event(batch, context={"step": "password reset", "password": "hunter2"}, breadcrumbs=[crumb]),
        event(batch, eventId="evt_http", type="http", method="POST", url="https://api.example/pay", status=402,
              duration=80, success=False, requestData={"card": CARD, "session_token": "hunter2"}),
    ]  # fmt: skip
    assert post_json(client, "/api/events/batch", batch).status_code == 202

    events = {e["kind"]: e for e in owner.get("/api/v1/events/?source=healthguard").json()["results"]}
    assert events["error"]["raw"]["context"] == {"step": "password reset", "password": "[Filtered]"}
    assert events["error"]["data"]["breadcrumbs"] == [crumb]
    assert events["http"]["raw"]["requestData"] == {"card": "[Filtered]", "session_token": "[Filtered]"}
    assert CARD not in json.dumps(events) and "hunter2" not in json.dumps(events)


def test_eventsum_extra_args_and_the_base_hash_is_unchanged(client, owner, app_key):
    capture = load_fixture("eventsum_capture.json")
    capture["extra_args"] = {"api_key": "hunter2", "user": "ada", "note": f"paid with {CARD}", "flow": "auth"}
    assert post_json(client, f"/capture?key={app_key}", capture).status_code == 200

    stored = stored_event(owner, "eventsum")
    expected = {"api_key": "[Filtered]", "user": "ada", "note": "paid with [Filtered]", "flow": "auth"}
    assert stored["data"]["extra_args"] == stored["raw"]["extra_args"] == expected
    assert stored["fingerprint"] == SEED_BASE_HASH


def test_sentry_and_glitchtip_webhooks(client, owner, app_key):
    alert = event_alert(
        request={"headers": [["Authorization", "Bearer hunter2"], ["Accept", "text/html"]]},
        extra={"password": "hunter2", "login": "auth failed"},
    )
    response = client.post(
        f"/sentry/webhook?key={app_key}", json.dumps(alert), content_type="application/json",
        HTTP_SENTRY_HOOK_RESOURCE="event_alert",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    glitchtip = notification(attachment(title=f"CardDeclined: {CARD}"))
    assert post_json(client, f"/glitchtip/webhook?key={app_key}", glitchtip).status_code == 201

    event = stored_event(owner, "sentry_webhook")["raw"]["data"]["event"]
    assert event["request"]["headers"] == [["Authorization", "[Filtered]"], ["Accept", "text/html"]]
    assert event["extra"] == {"password": "[Filtered]", "login": "auth failed"}
    assert stored_event(owner, "glitchtip_webhook")["exception_value"] == "[Filtered]"
