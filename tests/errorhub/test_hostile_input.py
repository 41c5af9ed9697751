"""What no column can store (lone surrogates, NUL), integers no bigint holds and JSON nested
past any parser's recursion: each is a 400 in the surface's own error shape naming the field,
through the real gunicorn server on whichever database the run uses (PostgreSQL refuses NUL
and surrogates; SQLite does not, which is why the PostgreSQL leg matters)."""

import json

import pytest
import requests

from tests.support.server import sentry_ingest_url, signed_up

pytestmark = pytest.mark.django_db(transaction=True)

SURROGATE = '"\\ud800"'
HEALTHGUARD, LEGACY, WEBHOOK, SENTRY, NATIVE = "message", "error", "detail", "detail", "fields"


@pytest.fixture
def session(errorhub_server):
    """A registered user's token and a Sentry project of theirs, made over HTTP."""
    headers, [project] = signed_up(errorhub_server, "fuzz@example.com")
    return {"url": errorhub_server, "headers": headers, "project": project}


def send(session, method, path, body=None, **headers):
    data = body.encode() if isinstance(body, str) else body
    return requests.request(
        method, session["url"] + path, data=data, headers={**session["headers"], **headers}, timeout=30
    )


def surrogate_bodies(project):
    envelope = f'{{"dsn":"{project["dsn"]}"}}\n{{"type":"event"}}\n{{"message":{SURROGATE}}}\n'
    return [
        ("POST", "/api/events/batch", f'{{"appKey":{SURROGATE},"events":[]}}', "appKey", HEALTHGUARD),
        ("POST", "/api/auth/register", f'{{"email":"a@b.c","password":{SURROGATE}}}', "password", HEALTHGUARD),
        ("POST", "/api/auth/login", f'{{"email":{SURROGATE},"password":"x"}}', "email", HEALTHGUARD),
        ("POST", "/api/apps", f'{{"name":{SURROGATE}}}', "name", HEALTHGUARD),
        ("POST", "/capture", f'{{"service":{SURROGATE}}}', "service", LEGACY),
        ("POST", "/errors", f'{{"aggregated_errors":[{{"aggregation_key":{SURROGATE}}}]}}',
         "aggregated_errors.0.aggregation_key", LEGACY),
        ("POST", "/sentry/webhook", f'{{"action":"created","data":{{"issue":{{"title":{SURROGATE}}}}}}}',
         "data.issue.title", WEBHOOK),
        ("POST", "/glitchtip/webhook", f'{{"alias":{SURROGATE}}}', "alias", WEBHOOK),
        ("POST", sentry_ingest_url("", project, "envelope"), envelope, "items.0.message", SENTRY),
        ("POST", sentry_ingest_url("", project), f'{{"message":{SURROGATE}}}',
         "body.message", SENTRY),
        ("POST", "/api/v1/groups/", f'{{"project":{project["id"]},"name":"g","info":{SURROGATE}}}', "info", NATIVE),
        ("POST", "/api/v1/projects/", f'{{"name":"x","platform":{SURROGATE}}}', "platform", NATIVE),
    ]  # fmt: skip


def answered_naming(response, field, shape):
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    body = response.json()
    if shape == NATIVE:
        assert field in body["fields"], body
    else:
        assert shape in body, body
        assert field in (body.get("field"), body.get(shape)), body


def test_a_lone_surrogate_in_any_json_body_is_a_400_naming_its_field(session):
    for method, path, body, field, shape in surrogate_bodies(session["project"]):
        response = send(session, method, path, body, **{"Content-Type": "application/json"})
        answered_naming(response, field, shape)


def test_a_nul_in_a_query_parameter_or_path_is_a_400_naming_it(session):
    project = session["project"]
    cases = [
        ("POST", "/api/events/batch?key=a%00", "key", HEALTHGUARD),
        ("POST", "/capture?key=%00", "key", LEGACY),
        ("POST", "/errors?project=a%00b", "project", LEGACY),
        ("GET", "/-/errors?project=a%00b", "project", LEGACY),
        ("GET", "/search?hash=a%00&keywords=%00", "hash", LEGACY),
        ("GET", "/api/issues?appKey=a%00b", "appKey", HEALTHGUARD),
        ("GET", "/api/issues/app%00:TypeError:1", "issue_id", HEALTHGUARD),
        ("POST", sentry_ingest_url("", project, "envelope", sentry_key="a%00"), "sentry_key", SENTRY),
        ("GET", "/api/v1/issues/?environment=a%00", "environment", NATIVE),
        ("GET", "/tasks/5xx?x=%00", "x", LEGACY),
    ]
    for method, path, field, shape in cases:
        response = send(session, method, path, "{}", **{"Content-Type": "application/json"})
        answered_naming(response, field, shape)


def test_a_nul_in_a_native_api_body_is_a_400_naming_its_field(session):
    body = json.dumps({"project": session["project"]["id"], "name": "g", "info": "a\x00b"})
    response = send(session, "POST", "/api/v1/groups/", body, **{"Content-Type": "application/json"})
    answered_naming(response, "info", NATIVE)


def test_json_nested_50000_deep_on_the_native_api_is_a_400(session):
    response = send(
        session, "POST", "/api/v1/groups/", "[" * 50_000 + "]" * 50_000, **{"Content-Type": "application/json"}
    )
    answered_naming(response, "body", NATIVE)


def test_integers_no_bigint_holds_are_a_4xx_or_the_maximum(session):
    huge = "99999999999999999999"
    for path in ("/api/v1/events/", "/api/v1/issues/", "/api/v1/groups/", "/api/v1/projects/"):
        response = send(session, "GET", f"{path}?limit={huge}&offset={huge}")
        assert response.status_code == 200, response.text
        assert response.json()["results"] == []
    for path in (f"/api/v1/issues/{huge}/", f"/api/v1/events/{huge}/", f"/api/v1/projects/{huge}/"):
        assert send(session, "GET", path).status_code == 404
    for path, field in (("/api/v1/events/?issue=" + huge, "issue"), ("/api/v1/issues/?project=" + huge, "project")):
        response = send(session, "GET", path)
        answered_naming(response, field, NATIVE)
    for path, field in (("/search?service_id=" + huge, "service_id"), ("/detail?event_id=" + huge, "event_id")):
        answered_naming(send(session, "GET", path), field, LEGACY)
