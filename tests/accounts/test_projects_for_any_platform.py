"""A project for any client: Sentry's platform names are accepted, and each project shows the
exact setting each client needs."""

import pytest
from drf_spectacular.validation import validate_schema

from tests.support.api import bearer, post_json

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("platform", ["python", "node", "javascript", "go", "java", "ruby", "php", "csharp", "web"])
def test_a_project_says_which_platform_it_is(owner, platform):
    response = post_json(owner, "/api/v1/projects/", {"name": f"{platform} service", "platform": platform})

    assert response.status_code == 201, response.content
    assert response.json()["platform"] == platform
    assert response.json()["app_key"].startswith(f"{platform}_")


def test_an_unknown_platform_is_refused_and_healthguard_apps_keep_their_own_types(owner):
    response = post_json(owner, "/api/v1/projects/", {"name": "Mainframe", "platform": "cobol"})
    assert response.status_code == 400
    assert "platform" in response.json()["fields"]

    healthguard = post_json(owner, "/api/apps", {"name": "Backend", "type": "python"})
    assert healthguard.status_code == 400
    assert healthguard.json()["code"] == "UNSUPPORTED_APP_TYPE"


def test_each_project_shows_every_clients_setting(owner):
    project = post_json(owner, "/api/v1/projects/", {"name": "Checkout", "platform": "python"}).json()
    key, keyed = project["app_key"], f"http://testserver/k/{project['app_key']}"
    sentry_key = project["dsn"].split("//")[1].split("@")[0]

    assert project["client_settings"] == {
        "sentry": {"dsn": f"http://{sentry_key}@testserver/{project['id']}"},
        "healthguard": {"endpoint": "http://testserver/api/events/batch", "appKey": key},
        "periskop": {"push_address": keyed, "export_url": f"{keyed}/-/errors"},
        "eventsum": {"capture_url": f"{keyed}/capture"},
        "sentry_webhook": {"url": f"{keyed}/sentry/webhook"},
        "glitchtip_webhook": {"url": f"{keyed}/glitchtip/webhook"},
    }
    assert project["client_settings"]["sentry"]["dsn"] == project["dsn"]


def test_the_public_base_url_can_be_configured(owner, settings):
    settings.ERRORHUB_BASE_URL = "https://errors.example.com"
    project = post_json(owner, "/api/v1/projects/", {"name": "Checkout"}).json()

    assert project["dsn"].startswith("https://") and project["dsn"].endswith(f"@errors.example.com/{project['id']}")
    assert project["client_settings"]["eventsum"]["capture_url"] == (
        f"https://errors.example.com/k/{project['app_key']}/capture"
    )


def test_the_openapi_schema_declares_the_bearer_token_and_stays_valid(client, owner):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    validate_schema(schema)
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The token from POST /api/auth/register or /api/auth/login.",
    }
    assert {"bearerAuth": []} in schema["paths"]["/api/v1/issues/"]["get"]["security"]
    # The token the schema declares is the one every endpoint takes.
    assert client.get("/api/v1/issues/", **bearer(owner.token)).status_code == 200
