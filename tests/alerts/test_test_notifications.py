"""POST /api/v1/alert-rules/<id>/test/ sends a test notification to every target at once."""

from tests.support.api import create_app, post_json


def test_a_test_notification_reaches_every_target_and_reports_each(owner, webhook, slack, mailbox):
    create_app(owner, name="Shop")
    project = owner.get("/api/v1/projects/").json()["results"][0]
    slack.status, slack.answer = 404, b"no_service"
    rule = post_json(owner, "/api/v1/alert-rules/", {
        "project": project["id"], "name": "Shop alerts", "triggers": ["new_issue"],
        "targets": [
            {"kind": "webhook", "url": webhook.url},
            {"kind": "slack", "url": slack.url},
            {"kind": "email", "to": ["oncall@example.com"]},
        ],
    }).json()  # fmt: skip

    response = owner.post(f"/api/v1/alert-rules/{rule['id']}/test/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["target"]["kind"], r["trigger"], r["status"], r["attempts"]) for r in results] == [
        ("webhook", "test", "sent", 1),
        ("slack", "test", "failed", 1),
        ("email", "test", "sent", 1),
    ]
    assert results[1]["last_error"] == "HTTP 404 no_service"
    assert results[2]["last_response"] == "sent to oncall@example.com"
    body = webhook.requests[0].json()
    assert body["trigger"] == "test" and body["issue"] is None and body["rule"]["name"] == "Shop alerts"
    assert slack.requests[0].json()["text"] == "Test notification from errorhub for the rule 'Shop alerts' of Shop"
    assert mailbox.messages[0]["message"]["Subject"].startswith("[errorhub] Test notification from errorhub")
    shown = owner.get(f"/api/v1/alert-rules/{rule['id']}/").json()["targets"]
    assert [t["failing"] for t in shown] == [False, True, False]
