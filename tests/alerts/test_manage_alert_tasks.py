"""Operators manage 5xx, crash, memory and release alerts through the seed's requests."""

import json

from alerts.tickscript import OWNER_VAR
from tests.conftest import load_fixture
from tests.support.api import patch_json, post_json

APP = "myapp-myspace"
NOTIFY = {"slack": "#ops-alerts", "email": "oncall@example.com", "post": "https://hooks.example.com/alert"}


def seed_bodies():
    """The JSON examples of the seed, comments stripped and placeholders filled in."""
    text = load_fixture("kapacitor-alerts-api.md")
    values = {"{{APP_NAME}}": APP, "{{SLACK_CHANNEL}}": "ops-alerts", "{{EMAIL}}": NOTIFY["email"],
              "{{POST}}": NOTIFY["post"]}  # fmt: skip
    requests, method, url = [], None, None
    lines = iter(text.splitlines())
    for line in lines:
        if line.startswith("Method: "):
            method = line.removeprefix("Method: ")
        elif line.startswith("URL: "):
            url = line.removeprefix("URL: {{KAPACITOR_ALERTS_API}}")
            if method in ("GET", "DELETE"):
                requests.append((method, url, None))
        elif line == "{" and method in ("POST", "PATCH"):
            body = ["{"]
            for inner in lines:
                body.append(inner.split(" //")[0])
                if inner == "}":
                    break
            requests.append((method, url, "\n".join(body)))
    for placeholder, value in values.items():
        requests = [(m, u.replace(placeholder, value), b and b.replace(placeholder, value)) for m, u, b in requests]
    return [(m, u.replace("{{DYNO}}", "web"), json.loads(b) if b else None) for m, u, b in requests]


def send(client, method, url, body):
    if method == "POST":
        return post_json(client, url, body)
    if method == "PATCH":
        return patch_json(client, url, body)
    return getattr(client, method.lower())(url)


def test_every_seed_request_works_against_kapacitor(operator, fake_kapacitor, django_capture_on_commit_callbacks):
    requests = seed_bodies()
    assert len(requests) == 22
    # Create, then update, then read, then delete, as an operator would.
    ordered = sorted(requests, key=lambda r: ["POST", "PATCH", "GET", "DELETE"].index(r[0]))
    answers = {}
    for method, url, body in ordered:
        if method == "DELETE" and not answers.get("checked"):
            # Before the deletes, Kapacitor holds what the PATCH bodies asked for.
            assert sorted(fake_kapacitor.tasks) == [f"{APP}-5xx", f"{APP}-crash", f"{APP}-release",
                                                    f"{APP}-sample.memory_total-web"]  # fmt: skip
            assert '"sigma" > 1.0' in fake_kapacitor.tasks[f"{APP}-5xx"]["script"]
            assert '"value" > 700' in fake_kapacitor.tasks[f"{APP}-sample.memory_total-web"]["script"]
            answers["checked"] = True
        with django_capture_on_commit_callbacks(execute=True):
            response = send(operator, method, url, body)
        assert response.status_code == {"POST": 201, "PATCH": 201}.get(method, 200), (method, url, response.content)
        answers[(method, url)] = response.content
    assert json.loads(answers[("GET", f"/task/5xx/{APP}/state")]) == {"app": APP, "state": "OK"}
    assert json.loads(answers[("GET", f"/tasks/memory/{APP}/web")])["crit"] == "700"
    assert [task["app"] for task in json.loads(answers[("GET", "/tasks/release")])] == [APP]
    assert answers[("DELETE", f"/task/memory/{APP}/web")] == b""
    assert fake_kapacitor.tasks == {}
    assert operator.get("/tasks/5xx").json() == []


def test_created_tasks_reach_kapacitor_with_ids_vars_and_script(
    operator, fake_kapacitor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        five = post_json(operator, "/task/5xx", {"app": APP, "tolerance": "low", **NOTIFY})
        memory = post_json(operator, "/task/memory", {"app": APP, "dynotype": "web", "warn": "200", "crit": "500",
                                                      "window": "12h", "every": "1m", "slack": "ops"})  # fmt: skip
        crashed = post_json(operator, "/task/crashed", {"app": APP, "email": "a@example.com, b@example.com"})
        release = post_json(operator, "/task/release", {"app": APP, "post": NOTIFY["post"]})
    assert [r.status_code for r in (five, memory, crashed, release)] == [201] * 4
    assert five.json() == {"app": APP, "tolerance": "low", **NOTIFY, "sync_status": "pending", "sync_error": "",
                           "synced_at": None}  # fmt: skip
    assert sorted(fake_kapacitor.tasks) == [f"{APP}-5xx", f"{APP}-crash", f"{APP}-release",
                                            f"{APP}-sample.memory_total-web"]  # fmt: skip

    stored = fake_kapacitor.tasks[f"{APP}-5xx"]
    assert stored["dbrps"] == [{"db": "opentsdb", "rp": "retention_policy"}]
    assert stored["status"] == "enabled"
    assert {name: var["value"] for name, var in stored["vars"].items()} == {
        "type": "batch", "id": f"{APP}-5xx", "app": APP, "tolerance": "low", "sigma": "0.5", "slack": "#ops-alerts",
        "email": NOTIFY["email"], "post": NOTIFY["post"], OWNER_VAR: "errorhub",
    }  # fmt: skip
    script = stored["script"]
    assert '.crit(lambda: "sigma" > 0.5)' in script
    assert ".channel('#ops-alerts')" in script
    assert script.index(".channel(") < script.index(".message(") < script.index(".email(") < script.index(".post(")
    assert "var-url=myapp-myspace" in script

    memory_task = fake_kapacitor.tasks[f"{APP}-sample.memory_total-web"]
    assert memory_task["vars"]["crit"] == {"value": 500, "type": "int", "description": "crit"}
    assert memory_task["vars"]["dynotyperequest"]["value"] == "web"
    assert '"value" > 500' in memory_task["script"] and '"value" > 200' in memory_task["script"]
    assert ".period(12h)" in memory_task["script"] and ".channel('#ops')" in memory_task["script"]

    crash_script = fake_kapacitor.tasks[f"{APP}-crash"]["script"]
    assert "/myspace,myapp,/" in crash_script
    assert ".email('a@example.com')\n        .email('b@example.com')" in crash_script
    assert ".slack()" not in crash_script
    assert "released.  New image is" in fake_kapacitor.tasks[f"{APP}-release"]["script"]

    tasks = operator.get("/tasks/5xx").json()
    assert tasks[0]["sync_status"] == "synced" and tasks[0]["synced_at"]


def test_empty_lists_are_empty_arrays(operator):
    for url in ("/tasks/5xx", "/tasks/crashed", "/tasks/release", "/tasks/memory", f"/tasks/memory/{APP}"):
        assert operator.get(url).json() == []


def test_lists_are_ordered_and_bounded_in_queries(operator, django_assert_max_num_queries):
    for app in ("zeta", "alpha", "mid"):
        for dyno in ("worker", "web"):
            post_json(operator, "/task/memory", {"app": app, "dynotype": dyno, "warn": 1, "crit": 2, "window": "5m",
                                                 "every": "1m", "slack": "#m"})  # fmt: skip
    with django_assert_max_num_queries(2):  # the token, then the tasks
        everything = operator.get("/tasks/memory").json()
    assert [task["id"] for task in everything][:2] == ["alpha-sample.memory_total-web",
                                                       "alpha-sample.memory_total-worker"]  # fmt: skip
    assert [task["app"] for task in everything] == ["alpha", "alpha", "mid", "mid", "zeta", "zeta"]
    assert [task["dynotype"] for task in operator.get("/tasks/memory/mid").json()] == ["web", "worker"]
    # Both spellings of the original reach one memory task.
    assert operator.get("/tasks/memory/mid/worker").json() == operator.get("/task/memory/mid/worker").json()
    assert operator.get("/tasks/memory/mid/worker").json()["warn"] == "1"


def test_patch_changes_only_the_fields_given(operator, fake_kapacitor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_json(operator, "/task/5xx", {"app": APP, "tolerance": "low", **NOTIFY})
        response = patch_json(operator, "/task/5xx", {"APP": APP, "Tolerance": "high", "email": " x@example.com "})
    assert response.status_code == 201
    assert response.json()["tolerance"] == "high"
    assert response.json()["email"] == "x@example.com"
    assert response.json()["slack"] == NOTIFY["slack"] and response.json()["post"] == NOTIFY["post"]
    script = fake_kapacitor.tasks[f"{APP}-5xx"]["script"]
    assert '"sigma" > 1.5' in script and ".email('x@example.com')" in script and ".post(" in script
    assert len(fake_kapacitor.tasks) == 1


def test_state_reads_the_tasks_own_topic(operator, fake_kapacitor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_json(operator, "/task/5xx", {"app": "foo", "tolerance": "low", "slack": "#a"})
        post_json(operator, "/task/5xx", {"app": "barfoo", "tolerance": "low", "slack": "#a"})
    fake_kapacitor.set_level("barfoo-5xx", "CRITICAL")
    assert operator.get("/task/5xx/foo/state").json() == {"app": "foo", "state": "OK"}
    assert operator.get("/task/5xx/barfoo/state").json() == {"app": "barfoo", "state": "CRITICAL"}
    fake_kapacitor.tasks.clear()
    assert operator.get("/task/5xx/foo/state").json() == {"app": "foo", "state": "unknown"}
    fake_kapacitor.down()
    response = operator.get("/task/5xx/foo/state")
    assert response.status_code == 503 and "unreachable" in response.json()["error"]


def test_wrong_method_is_a_405_in_the_error_shape(operator):
    response = operator.put("/task/5xx", "{}", content_type="application/json")
    assert response.status_code == 405
    assert response.json() == {"error": "Method PUT is not allowed here"}
    assert response["Allow"] == "POST, PATCH"
