"""A HealthGuard error's `stack` string and an Eventsum capture's frames become frames and a
culprit a triager can read, through the real gunicorn server."""

import pytest
import requests

from tests.conftest import load_fixture
from tests.support.api import ServerApi
from tests.support.healthguard import event, seed_batch

pytestmark = pytest.mark.django_db(transaction=True)

CHROME_STACK = """TypeError: Cannot read properties of undefined (reading 'total')
    at renderCart (https://shop.example/app.js:120:15)
    at https://shop.example/node_modules/react-dom/index.js:4012:22
    at async Checkout.open (https://shop.example/app.js:88:3)"""
# Thrown inside a library: the culprit is the innermost frame of the app's own code.
FIREFOX_STACK = """dispatch@https://shop.example/node_modules/redux/index.js:210:9
renderCart@https://shop.example/app.js:120:15
@https://shop.example/app.js:3:1"""


def send_batch(server, project, stack, fingerprint):
    batch = seed_batch(project["app_key"])
    crumb = {"type": "click", "message": "Pay", "timestamp": 1716191999000, "data": {"category": "auth"}}
    batch["events"] = [
        event(
            batch,
            eventId=f"evt-{fingerprint}",
            message=stack.splitlines()[0],
            stack=stack,
            fingerprint=fingerprint,
            breadcrumbs=[crumb],
        )
    ]
    response = requests.post(f"{server}/api/events/batch", json=batch)
    assert response.status_code == 202, response.text


def test_chrome_and_firefox_stacks_give_frames_and_the_top_in_app_frame_as_culprit(errorhub_server, owner):
    api = ServerApi(errorhub_server, owner.token)
    project = api.new_project("Shop", "web")
    send_batch(errorhub_server, project, CHROME_STACK, "js:chrome")
    send_batch(errorhub_server, project, FIREFOX_STACK, "js:firefox")

    issues = {i["fingerprint"]: i for i in api.issues(project, 2).values()}
    chrome, firefox = api.event_of(issues["js:chrome"]), api.event_of(issues["js:firefox"])
    assert issues["js:chrome"]["culprit"] == "https://shop.example/app.js in renderCart"
    assert issues["js:firefox"]["culprit"] == "https://shop.example/app.js in renderCart"
    # Innermost last, as Sentry orders frames.
    assert chrome["frames"] == [
        {"filename": "https://shop.example/app.js", "function": "async Checkout.open", "lineno": 88, "colno": 3,
         "in_app": True},
        {"filename": "https://shop.example/node_modules/react-dom/index.js", "function": "?", "lineno": 4012,
         "colno": 22, "in_app": False},
        {"filename": "https://shop.example/app.js", "function": "renderCart", "lineno": 120, "colno": 15,
         "in_app": True},
    ]  # fmt: skip
    assert [(f["function"], f["lineno"], f["colno"], f["in_app"]) for f in firefox["frames"]] == [
        ("?", 3, 1, True),
        ("renderCart", 120, 15, True),
        ("dispatch", 210, 9, False),
    ]
    assert chrome["data"]["breadcrumbs"][0]["data"] == {"category": "auth"}


def test_the_seed_eventsum_capture_is_titled_by_its_event_name_with_a_culprit(errorhub_server, owner):
    api = ServerApi(errorhub_server, owner.token)
    project = api.new_project("WISH FE", "python")
    response = requests.post(
        f"{errorhub_server}/k/{project['app_key']}/capture", json=load_fixture("eventsum_capture.json")
    )
    assert response.status_code == 200, response.text

    [issue] = api.issues(project, 1).values()
    assert issue["title"] == "ZeroDivisionError: integer division or modulo by zero"
    assert (issue["error_type"], issue["culprit"]) == ("ZeroDivisionError", "__main__ in func4")
    assert [(f["function"], f["in_app"]) for f in api.event_of(issue)["frames"]] == [
        ("<module>", True),
        ("func4", True),
    ]
