"""Clients that can change only their base URL pin a project with `/k/<project key>/`,
pasted from the project's `client_settings`, through the real gunicorn server."""

import pytest
import requests
from periskop_client.collector import ExceptionCollector
from periskop_client.exporter import ExceptionExporter

from tests.conftest import load_fixture
from tests.ingest.test_sentry_glitchtip_webhook import notification
from tests.ingest.test_sentry_webhook import event_alert
from tests.support.api import ServerApi
from tests.support.healthguard import seed_batch

pytestmark = pytest.mark.django_db(transaction=True)


def parse_price(text):
    return float(text)


def test_periskop_client_pushes_to_its_keyed_address_and_the_export_shows_it(errorhub_server, owner):
    api = ServerApi(errorhub_server, owner.token)
    project = api.new_project("Pricing", "python")
    push_address = project["client_settings"]["periskop"]["push_address"]
    assert push_address == f"{errorhub_server}/k/{project['app_key']}"

    collector = ExceptionCollector()
    try:
        parse_price("twelve")
    except ValueError as exc:
        collector.report(exc)
    ExceptionExporter(collector).push_to_gateway(push_address)

    [issue] = api.issues(project, 1).values()
    assert (issue["source"], issue["error_type"]) == ("periskop", "ValueError")
    export = requests.get(project["client_settings"]["periskop"]["export_url"], params={"token": owner.token})
    assert export.status_code == 200, export.text
    [aggregate] = export.json()["aggregated_errors"]
    assert aggregate["latest_errors"][0]["error"]["message"] == "could not convert string to float: 'twelve'"
    # Nothing reached the keyless default project.
    assert requests.get(f"{errorhub_server}/-/errors", params={"token": owner.token}).status_code == 404


def test_every_legacy_surface_takes_the_key_from_the_base_url(errorhub_server, owner):
    api = ServerApi(errorhub_server, owner.token)
    project = api.new_project("Storefront", "javascript")
    keyed = f"{errorhub_server}/k/{project['app_key']}"
    capture = requests.post(
        project["client_settings"]["eventsum"]["capture_url"], json=load_fixture("eventsum_capture.json")
    )
    batch = requests.post(f"{keyed}/api/events/batch", json=seed_batch())
    webhook = requests.post(
        project["client_settings"]["sentry_webhook"]["url"],
        json=event_alert(),
        headers={"Sentry-Hook-Resource": "event_alert"},
    )
    glitchtip = requests.post(project["client_settings"]["glitchtip_webhook"]["url"], json=notification())

    assert [r.status_code for r in (capture, batch, webhook, glitchtip)] == [200, 202, 201, 201]
    issues = api.issues(project, 4).values()
    assert sorted(i["source"] for i in issues) == ["eventsum", "glitchtip_webhook", "healthguard", "sentry_webhook"]


def test_an_unknown_key_in_the_base_url_is_a_401_in_each_surfaces_shape(errorhub_server, owner):
    keyed = f"{errorhub_server}/k/no-such-key"
    capture = requests.post(f"{keyed}/capture", json=load_fixture("eventsum_capture.json"))
    batch = requests.post(f"{keyed}/api/events/batch", json=seed_batch())
    push = requests.post(f"{keyed}/errors", json=load_fixture("periskop_push.json"))
    export = requests.get(f"{keyed}/-/errors", params={"token": owner.token})

    assert [r.status_code for r in (capture, batch, push, export)] == [401, 401, 401, 401]
    assert batch.json()["message"] == "Unknown project key."
    assert (capture.json()["error"], capture.json()["field"]) == ("Unknown project key.", "key")
    assert export.json()["field"] == "key"


def test_a_nul_in_the_key_segment_is_a_400_naming_the_key(errorhub_server):
    response = requests.post(f"{errorhub_server}/k/%00/capture", json=load_fixture("eventsum_capture.json"))

    assert response.status_code == 400, response.text
    assert response.json()["field"] == "key"
