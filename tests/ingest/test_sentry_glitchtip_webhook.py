"""GlitchTip sends its Slack/MS-Teams alert body; each issue in it is one more occurrence."""

import pytest

from issues.models import Event, Issue
from tests.support.api import post_json

pytestmark = pytest.mark.django_db


def attachment(issue_id="52", title="KeyError: 'sku'", project="Checkout"):
    return {
        "title": title,
        "title_link": f"https://glitchtip.example.com/acme/issues/{issue_id}",
        "text": "cart.views in add_item",
        "image_url": None,
        "color": "#e52b50",
        "fields": [
            {"title": "Project", "value": project, "short": True},
            {"title": "Environment", "value": "staging", "short": True},
            {"title": "Release", "value": "checkout@2.4.1", "short": False},
        ],
        "mrkdown_in": ["text"],
    }


def notification(*attachments):
    attachments = attachments or (attachment(),)
    return {
        "alias": "GlitchTip",
        "text": "GlitchTip Alert" if len(attachments) == 1 else f"GlitchTip Alert ({len(attachments)} issues)",
        "attachments": list(attachments),
        "sections": [
            {"activityTitle": a["title"], "activitySubtitle": f"[View Issue CHECKOUT-{i + 1}]({a['title_link']})"}
            for i, a in enumerate(attachments)
        ],
    }


def test_each_notification_is_a_new_occurrence_of_the_upstream_issue(client, settings):
    settings.ERRORHUB_OPEN_LEGACY_API = True
    first = post_json(client, "/glitchtip/webhook", notification())
    second = post_json(client, "/glitchtip/webhook", notification())

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["message"] == "Error saved successfully"
    issue = Issue.objects.get()
    assert (issue.fingerprint, issue.source, issue.event_count) == ("upstream:52", "glitchtip_webhook", 2)
    assert issue.project.name == "Checkout"
    event = Event.objects.filter(issue=issue).first()
    assert (event.exception_type, event.exception_value) == ("KeyError", "'sku'")
    assert (event.environment, event.release) == ("staging", "checkout@2.4.1")

    row = client.get("/errors/latest").json()
    assert (row["issue_id"], row["issue_short_id"], row["project"]) == ("52", "CHECKOUT-1", "Checkout")
    assert row["issue_permalink"] == "https://glitchtip.example.com/acme/issues/52"


def test_a_notification_of_several_issues_counts_each(client):
    response = post_json(client, "/glitchtip/webhook", notification(attachment("52"), attachment("53", "Timeout")))

    assert response.status_code == 201
    assert sorted(Issue.objects.values_list("fingerprint", "event_count")) == [("upstream:52", 1), ("upstream:53", 1)]


def test_glitchtip_pointed_at_the_seed_url_is_accepted_too(client):
    response = post_json(client, "/sentry/webhook", notification())

    assert response.status_code == 201
    assert Issue.objects.get().source == "glitchtip_webhook"


def test_with_a_token_configured_the_url_must_carry_it(client, settings):
    settings.GLITCHTIP_WEBHOOK_TOKEN = "glitch-url-token"

    missing = post_json(client, "/glitchtip/webhook", notification())
    wrong = post_json(client, "/glitchtip/webhook?token=guess", notification())
    right = post_json(client, "/glitchtip/webhook?token=glitch-url-token", notification())

    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 201)
    assert wrong.json() == {"detail": "Invalid or missing webhook token", "field": "token"}
    assert Issue.objects.get().event_count == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "GlitchTip Alert", "attachments": [attachment()]}, "alias"),
        ({"alias": "GlitchTip", "attachments": []}, "attachments"),
        ({"alias": "GlitchTip", "attachments": ["KeyError"]}, "attachments.0"),
        ({"alias": "GlitchTip", "attachments": [{"title_link": "x"}]}, "attachments.0.title"),
    ],
)
def test_bodies_not_in_glitchtip_format_get_a_400(client, body, field):
    response = post_json(client, "/glitchtip/webhook", body)

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert response.json()["detail"]
    assert not Event.objects.exists()
