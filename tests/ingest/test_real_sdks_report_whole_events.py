"""Apps using the official SDKs, Python's sentry-sdk and Node's @sentry/node (from npm), report
through the real gunicorn server; every part a triager reads arrives whole, secrets filtered."""

import os
import subprocess
from wsgiref.util import setup_testing_defaults

import pytest
import sentry_sdk
from sentry_sdk.integrations.wsgi import SentryWsgiMiddleware
from sentry_sdk.scrubber import EventScrubber

from tests.support.api import ServerApi
from tests.support.sentry import sentry_reporting
from tests.support.sentry_node import NODE_REPORTER

pytestmark = pytest.mark.django_db(transaction=True)

# Far from the code that raises, so the frames' source context does not show them.
SIGNUP = {"email": "ada@example.com", "password": "hunter2"}
SECRET_TOKEN = "s3cr3t-t0ken"


class PaymentFailed(Exception):
    pass


def charge(order):
    return order["card"]


def checkout(environ, start_response):
    """A WSGI view: the card lookup fails and is re-raised as the domain's error (a chain)."""
    sentry_sdk.set_user({"id": "u-42", "email": "ada@example.com", "username": "ada"})
    sentry_sdk.add_breadcrumb(category="auth", message="ada signed in")
    sentry_sdk.set_context("signup", SIGNUP)
    try:
        charge({})
    except KeyError as exc:
        raise PaymentFailed("no card on file") from exc


def test_python_sdk_chained_exception_user_breadcrumbs_and_filtered_secrets(errorhub_server, owner):
    api = ServerApi(errorhub_server, owner.token)
    project = api.new_project("Checkout", "python")
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/checkout", "HTTP_AUTHORIZATION": f"Bearer {SECRET_TOKEN}"}
    setup_testing_defaults(environ)
    # errorhub scrubs whatever the SDK sends: here the SDK's own client-side scrubbing is off.
    scrubber = EventScrubber(denylist=[], send_default_pii=True)
    dsn = project["client_settings"]["sentry"]["dsn"]
    with sentry_reporting(dsn, send_default_pii=True, event_scrubber=scrubber), pytest.raises(PaymentFailed):
        SentryWsgiMiddleware(checkout)(environ, lambda status, headers: None)

    issue = api.issues(project, 1)["PaymentFailed: no card on file"]
    # The culprit is the transaction the WSGI integration names, as in Sentry.
    assert (issue["error_type"], issue["culprit"]) == ("PaymentFailed", "generic WSGI request")
    event = api.event_of(issue)
    cause, raised = event["data"]["exceptions"]
    assert (cause["type"], cause["value"]) == ("KeyError", "'card'")
    assert (raised["type"], raised["value"], raised["module"]) == ("PaymentFailed", "no card on file", __name__)
    assert [f["function"] for f in cause["frames"]][-2:] == ["checkout", "charge"]
    assert [f["function"] for f in raised["frames"]][-1] == "checkout"
    assert raised["mechanism"]["type"] == "wsgi"
    assert event["data"]["user"] == {"id": "u-42", "email": "ada@example.com", "username": "ada"}
    assert event["user"] == "u-42"
    [crumb] = event["data"]["breadcrumbs"]
    assert (crumb["category"], crumb["message"]) == ("auth", "ada signed in")
    assert event["data"]["contexts"]["signup"] == {"email": "ada@example.com", "password": "[Filtered]"}
    assert event["data"]["request"]["headers"]["Authorization"] == "[Filtered]"
    assert event["data"]["request"]["method"] == "POST"
    # Nowhere else either (frame variables, the WSGI environ, ...).
    assert SECRET_TOKEN not in str(event) and SIGNUP["password"] not in str(event)


def raise_chained():
    try:
        charge({})
    except KeyError as exc:
        raise PaymentFailed("no card on file") from exc


def raise_alone():
    raise PaymentFailed("no card on file")


def test_a_chain_is_grouped_by_every_exception_of_it(errorhub_server, owner):
    api = ServerApi(errorhub_server, owner.token)
    project = api.new_project("Billing", "python")
    with sentry_reporting(project["client_settings"]["sentry"]["dsn"]):
        for raise_it in (raise_chained, raise_chained, raise_alone):
            try:
                raise_it()
            except PaymentFailed:
                sentry_sdk.capture_exception()

    issues = api.issues_counting(project, 3)
    assert sorted(i["event_count"] for i in issues) == [1, 2]
    assert {i["title"] for i in issues} == {"PaymentFailed: no card on file"}


def test_node_sdk_error_message_and_unhandled_rejection(errorhub_server, owner, node_reporter):
    api = ServerApi(errorhub_server, owner.token)
    project = api.new_project("Storefront", "node")
    run = subprocess.run(
        [node_reporter, NODE_REPORTER],
        env={**os.environ, "SENTRY_DSN": project["client_settings"]["sentry"]["dsn"]},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr

    issues = api.issues(project, 3)
    thrown = issues["TypeError: Cannot read properties of undefined (reading 'length')"]
    message = issues["Checkout is slow"]
    rejection = issues["Error: payment provider timed out"]
    assert thrown["culprit"] == "report in renderCart"
    event = api.event_of(thrown)
    [exception] = event["data"]["exceptions"]
    assert exception["frames"][-1]["function"] == "renderCart"
    assert exception["frames"][-1]["in_app"] is True
    assert exception["mechanism"]["handled"] is True
    assert event["data"]["user"]["email"] == "grace@example.com"
    assert [c["category"] for c in event["data"]["breadcrumbs"]][-1] == "auth"
    assert (event["release"], event["environment"], event["platform"]) == ("storefront@3.1.0", "production", "node")
    assert message["level"] == "warning"
    assert api.event_of(message)["message"] == "Checkout is slow"
    [unhandled] = api.event_of(rejection)["data"]["exceptions"]
    assert unhandled["mechanism"] == {"type": "auto.node.onunhandledrejection", "handled": False}
