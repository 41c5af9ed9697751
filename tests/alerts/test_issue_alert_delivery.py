"""Issue alerts reach real receivers: a webhook, a Slack incoming webhook and an SMTP server.

Events go in through HealthGuard batches to a gunicorn-served errorhub; the digest (in
gunicorn, or the real Celery worker in the PostgreSQL leg) announces new issues,
regressions and occurrences, and the alerts app delivers in the background.
"""

import hashlib
import hmac
import time
import uuid

import pytest
import requests
from django.db import transaction

from alerts.models import AlertDelivery, AlertTarget
from ingest.selectors import digest_pending
from issues import announcements
from issues.models import Issue
from tests.support.api import create_app, patch_json, post_json
from tests.support.healthguard import event, seed_batch
from tests.support.worker import wait_until

# Long enough for a second, unwanted message to arrive (the tests' burst window is 2 s).
SETTLE_SECONDS = 2.5


@pytest.fixture
def project(owner):
    app_key = create_app(owner, name="Shop")
    project = owner.get("/api/v1/projects/").json()["results"][0]
    project["app_key"] = app_key
    return project


def create_rule(owner, project, triggers, targets, **fields):
    body = {"project": project["id"], "name": "Shop alerts", "triggers": triggers, "targets": targets, **fields}
    response = post_json(owner, "/api/v1/alert-rules/", body)
    assert response.status_code == 201, response.content
    return response.json()


def all_targets(webhook, slack, recipients=("oncall@example.com",)):
    return [
        {"kind": "webhook", "url": webhook.url},
        {"kind": "slack", "url": slack.url, "channel": "#shop-alerts"},
        {"kind": "email", "to": list(recipients)},
    ]


def send_events(server, project, *fingerprints, environment="production"):
    """One HealthGuard batch with an event per fingerprint, timestamped now."""
    batch = seed_batch(project["app_key"])
    batch["events"] = [
        event(
            batch, eventId=str(uuid.uuid4()), fingerprint=fingerprint, message=f"Boom in {fingerprint}",
            timestamp=int(time.time() * 1000), environment=environment, userId=f"user-{index}",
        )
        for index, fingerprint in enumerate(fingerprints)
    ]  # fmt: skip
    response = requests.post(f"{server}/api/events/batch", json=batch, timeout=10)
    assert response.status_code == 202, response.text


def digested():
    return wait_until(lambda: not digest_pending(), timeout=20)


def deliveries_done(count):
    """Wait until `count` deliveries exist and none is pending."""
    return wait_until(
        lambda: AlertDelivery.objects.count() >= count and not AlertDelivery.objects.filter(status="pending").exists(),
        timeout=20,
    )


def verify_signature(secret, received):
    expected = "sha256=" + hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(received.headers["X-Errorhub-Signature"], expected)


def test_a_new_issue_reaches_every_target_once_with_its_facts(errorhub_server, owner, project, webhook, slack, mailbox):
    rule = create_rule(owner, project, ["new_issue"], all_targets(webhook, slack))
    send_events(errorhub_server, project, "checkout:TypeError")

    assert deliveries_done(3)
    time.sleep(SETTLE_SECONDS)
    issue = Issue.objects.get()
    url = f"http://localhost:8000/admin/issues/issue/{issue.id}/change/"  # ERRORHUB_BASE_URL unset

    assert len(webhook.requests) == 1
    received = webhook.requests[0]
    assert verify_signature(rule["secret"], received)
    body = received.json()
    assert body["trigger"] == "new_issue"
    assert body["rule"] == {"id": rule["id"], "name": "Shop alerts"}
    assert body["sent_at"]
    assert body["issue"] == {
        "id": issue.id, "title": "Boom in checkout:TypeError", "culprit": issue.culprit, "level": "error",
        "status": "unresolved", "substatus": "new",
        "project": {"id": project["id"], "slug": project["slug"], "name": "Shop"},
        "first_seen": issue.first_seen.isoformat(), "last_seen": issue.last_seen.isoformat(),
        "event_count": 1, "users_affected": 1, "url": url,
    }  # fmt: skip

    assert len(slack.requests) == 1
    message = slack.requests[0].json()
    assert message["channel"] == "#shop-alerts"
    assert message["text"] == "New issue in Shop: Boom in checkout:TypeError"
    blocks = {block["type"]: block for block in message["blocks"]}
    assert blocks["header"]["text"]["text"] == "New issue in Shop: Boom in checkout:TypeError"
    facts = " ".join(field["text"] for block in message["blocks"] for field in block.get("fields", []))
    assert "*Project*\nShop" in facts and "*Environment*\nproduction" in facts and "*Events*\n1" in facts
    assert blocks["actions"]["elements"][0]["url"] == url

    assert len(mailbox.messages) == 1
    mail = mailbox.messages[0]
    assert mail["to"] == ["oncall@example.com"] and mail["from"] == "alerts@errorhub.example"
    assert mail["message"]["Subject"] == "[errorhub] New issue in Shop: Boom in checkout:TypeError"
    text = mail["message"].get_body(("plain",)).get_content()
    html = mail["message"].get_body(("html",)).get_content()
    for fact in ("Boom in checkout:TypeError", "Project:        Shop", "Environment:    production", url):
        assert fact in text
    assert "Users affected:" in text and "First seen:" in text and "Last seen:" in text
    assert f'<a href="{url}"' in html and '<th align="left">Events</th><td>1</td>' in html

    history = owner.get(f"/api/v1/alert-rules/{rule['id']}/deliveries/").json()["results"]
    assert sorted(d["target"]["kind"] for d in history) == ["email", "slack", "webhook"]
    assert {(d["trigger"], d["issue"], d["status"], d["attempts"]) for d in history} == {
        ("new_issue", issue.id, "sent", 1)
    }
    assert {d["last_response"] for d in history if d["target"]["kind"] != "email"} == {
        "200 ok",
        '200 {"received": true}',
    }


def test_a_regression_alerts_once_and_not_again_within_the_cooldown(
    errorhub_server, owner, project, webhook, slack, mailbox
):
    create_rule(owner, project, ["regression"], all_targets(webhook, slack), cooldown_minutes=30)
    send_events(errorhub_server, project, "checkout:TypeError")
    assert digested()
    issue = Issue.objects.get()

    assert patch_json(owner, f"/api/v1/issues/{issue.id}/", {"status": "resolved"}).status_code == 200
    send_events(errorhub_server, project, "checkout:TypeError")
    assert deliveries_done(3)
    assert patch_json(owner, f"/api/v1/issues/{issue.id}/", {"status": "resolved"}).status_code == 200
    send_events(errorhub_server, project, "checkout:TypeError")
    assert digested()
    time.sleep(SETTLE_SECONDS)

    assert Issue.objects.get().status == "unresolved" and Issue.objects.get().event_count == 3
    assert [r.json()["trigger"] for r in webhook.requests] == ["regression"]
    assert webhook.requests[0].json()["issue"]["event_count"] == 2
    assert [r.json()["text"] for r in slack.requests] == ["Regression in Shop: Boom in checkout:TypeError"]
    assert [m["message"]["Subject"] for m in mailbox.messages] == [
        "[errorhub] Regression in Shop: Boom in checkout:TypeError"
    ]
    assert AlertDelivery.objects.count() == 3


def test_an_ignored_issue_escalating_alerts_once(errorhub_server, owner, project, webhook, slack, mailbox):
    create_rule(owner, project, ["escalating"], all_targets(webhook, slack))
    send_events(errorhub_server, project, "checkout:TypeError")
    assert digested()
    issue = Issue.objects.get()
    assert patch_json(owner, f"/api/v1/issues/{issue.id}/", {"status": "ignored"}).status_code == 200

    # What the triage lifecycle does when an ignored issue's until-condition fires.
    with transaction.atomic():
        Issue.objects.filter(pk=issue.pk).update(status="unresolved")
        announcements.announce(announcements.ESCALATING, [issue.id])

    assert deliveries_done(3)
    time.sleep(SETTLE_SECONDS)
    assert [(r.json()["trigger"], r.json()["issue"]["status"]) for r in webhook.requests] == [
        ("escalating", "unresolved")
    ]
    assert [r.json()["text"] for r in slack.requests] == ["Escalating issue in Shop: Boom in checkout:TypeError"]
    assert [m["message"]["Subject"] for m in mailbox.messages] == [
        "[errorhub] Escalating issue in Shop: Boom in checkout:TypeError"
    ]


def test_a_spike_alerts_when_the_count_is_reached_and_then_cools_down(
    errorhub_server, owner, project, webhook, slack, mailbox
):
    create_rule(owner, project, [{"kind": "spike", "count": 5, "minutes": 10}], all_targets(webhook, slack))
    send_events(errorhub_server, project, *["checkout:TypeError"] * 4)
    assert digested()
    time.sleep(SETTLE_SECONDS)
    assert webhook.requests == [] and AlertDelivery.objects.count() == 0

    send_events(errorhub_server, project, "checkout:TypeError")
    assert deliveries_done(3)
    send_events(errorhub_server, project, *["checkout:TypeError"] * 5)
    assert digested()
    time.sleep(SETTLE_SECONDS)

    assert [(r.json()["trigger"], r.json()["issue"]["event_count"]) for r in webhook.requests] == [("spike", 5)]
    assert [r.json()["text"] for r in slack.requests] == [
        "Spike in Shop: Boom in checkout:TypeError (5+ events in 10 min)"
    ]
    assert len(mailbox.messages) == 1
    assert AlertDelivery.objects.count() == 3


def test_a_burst_of_twenty_new_issues_is_one_digest_message(errorhub_server, owner, project, webhook, slack, mailbox):
    create_rule(owner, project, ["new_issue"], all_targets(webhook, slack))
    for number in range(20):
        send_events(errorhub_server, project, f"burst:{number}")

    assert deliveries_done(3)
    time.sleep(SETTLE_SECONDS)
    assert Issue.objects.count() == 20
    assert len(webhook.requests) == 1
    digest = webhook.requests[0].json()
    assert digest["trigger"] == "new_issue" and digest["issue_count"] == 20
    assert sorted(issue["title"] for issue in digest["issues"]) == sorted(f"Boom in burst:{n}" for n in range(20))
    assert len(slack.requests) == 1 and slack.requests[0].json()["text"] == "20 new issues in Shop"
    assert [m["message"]["Subject"] for m in mailbox.messages] == ["[errorhub] 20 new issues in Shop"]
    text = mailbox.messages[0]["message"].get_body(("plain",)).get_content()
    assert all(f"Boom in burst:{n} (error, 1 events)" in text for n in range(20))


def test_a_failing_receiver_is_retried_then_marked_failing_and_ingest_goes_on(errorhub_server, owner, project, webhook):
    webhook.status, webhook.answer = 500, b"upstream exploded"
    rule = create_rule(owner, project, ["new_issue"], [{"kind": "webhook", "url": webhook.url}])
    send_events(errorhub_server, project, "checkout:TypeError")
    for _ in range(3):
        send_events(errorhub_server, project, "checkout:TypeError", "checkout:TypeError")

    assert deliveries_done(1)
    delivery = AlertDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert delivery.last_error == "HTTP 500 upstream exploded"
    assert len(webhook.requests) == 3
    assert all(verify_signature(rule["secret"], received) for received in webhook.requests)
    target = AlertTarget.objects.get()
    assert target.failing and target.last_error == "HTTP 500 upstream exploded"
    shown = owner.get(f"/api/v1/alert-rules/{rule['id']}/").json()["targets"][0]
    assert shown["failing"] is True and shown["last_error"] == "HTTP 500 upstream exploded"
    # Nothing accepted was lost while the receiver failed.
    assert digested()
    assert Issue.objects.get().event_count == 7
