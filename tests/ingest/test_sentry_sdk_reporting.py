"""An app using the official sentry-sdk reports to errorhub with only its DSN changed."""

import pytest
import sentry_sdk

from tests.support.sentry import create_project, dsn_for, sentry_reporting

pytestmark = pytest.mark.django_db(transaction=True)


class PaymentDeclined(Exception):
    pass


def parse_quantity(text):
    return int(text)


def charge(card):
    raise PaymentDeclined(f"card {card} declined")


def report_bad_quantity(text):
    try:
        parse_quantity(text)
    except ValueError:
        sentry_sdk.capture_exception()


def report_declined(card):
    try:
        charge(card)
    except PaymentDeclined as exc:
        sentry_sdk.capture_exception(exc)


def issues_of(reader, project):
    response = reader.get(f"/api/v1/issues/?project={project['id']}")
    assert response.status_code == 200, response.content
    return {issue["error_type"]: issue for issue in response.json()["results"]}


def test_captured_exceptions_become_issues_with_counts(live_server, owner):
    project = create_project(owner)
    with sentry_reporting(dsn_for(project, live_server.url), release="shop@1.2.0", environment="production"):
        sentry_sdk.set_user({"id": "u-42", "email": "ada@example.com"})
        sentry_sdk.set_tag("region", "eu")
        report_bad_quantity("one")
        report_bad_quantity("two")
        report_declined("4000")

    issues = issues_of(owner, project)
    assert set(issues) == {"ValueError", "PaymentDeclined"}
    assert issues["ValueError"]["event_count"] == 2
    assert issues["PaymentDeclined"]["event_count"] == 1
    assert issues["ValueError"]["source"] == "sentry"
    assert issues["ValueError"]["title"] == "ValueError: invalid literal for int() with base 10: 'one'"
    assert issues["ValueError"]["culprit"] == "tests.ingest.test_sentry_sdk_reporting in parse_quantity"
    assert issues["PaymentDeclined"]["last_release"] == "shop@1.2.0"

    events = owner.get(f"/api/v1/events/?issue={issues['PaymentDeclined']['id']}").json()["results"]
    [declined] = events
    assert declined["exception_value"] == "card 4000 declined"
    assert [f["function"] for f in declined["frames"]][-2:] == ["report_declined", "charge"]
    assert declined["frames"][-1]["in_app"] is True
    assert declined["user"] == "u-42"
    assert declined["environment"] == "production"
    assert declined["tags"]["region"] == "eu"
    assert declined["data"]["sdk"]["name"] == "sentry.python"
    assert declined["platform"] == "python"


def test_explicit_fingerprints_group_as_sentry_does(live_server, owner):
    project = create_project(owner)
    with sentry_reporting(dsn_for(project, live_server.url)):
        # Two different exceptions the app declares to be one problem.
        with sentry_sdk.new_scope() as scope:
            scope.fingerprint = ["payment-gateway-down"]
            report_declined("1")
            report_bad_quantity("x")
        # {{ default }} refines errorhub's own grouping: one issue per region.
        for region in ("eu", "us", "eu"):
            with sentry_sdk.new_scope() as scope:
                scope.fingerprint = ["{{ default }}", region]
                report_bad_quantity("y")

    response = owner.get(f"/api/v1/issues/?project={project['id']}")
    counts = sorted((i["fingerprint"].rsplit(" ⋄ ", 1)[-1], i["event_count"]) for i in response.json()["results"])
    assert counts == [("eu", 2), ("sentry:payment-gateway-down", 2), ("us", 1)]


def test_a_wrong_dsn_key_stores_nothing(live_server, owner):
    project = create_project(owner)
    wrong = dsn_for(project, live_server.url).replace(project["dsn"].split("//")[1].split("@")[0], "0" * 32)
    with sentry_reporting(wrong):
        report_bad_quantity("one")

    assert issues_of(owner, project) == {}
