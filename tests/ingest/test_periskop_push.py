"""A Periskop collector pushes to POST /errors; a Periskop server (with a token) scrapes /-/errors."""

import copy
import json
import uuid

import pytest

from accounts.models import Project
from issues.models import Event
from tests.conftest import load_fixture
from tests.support.api import patch_json, post_json
from tests.support.healthguard import seed_batch

pytestmark = pytest.mark.django_db


def seed_push():
    return load_fixture("periskop_push.json")


def seed_error(push, **changes):
    error = copy.deepcopy(push["aggregated_errors"][0]["latest_errors"][0])
    error.update(changes)
    return error


def push_of(target_uuid, key, total_count, errors, severity="error"):
    return {
        "target_uuid": target_uuid,
        "aggregated_errors": [
            {"aggregation_key": key, "total_count": total_count, "severity": severity, "latest_errors": errors}
        ],
    }


def error_with(message, timestamp="2026-11-24T10:00:00Z"):
    return {
        "error": {"class": "KeyError", "message": message, "stacktrace": ["line 1"], "cause": None},
        "uuid": str(uuid.uuid4()),
        "timestamp": timestamp,
        "severity": "error",
        "http_context": None,
    }


def push(client, body, url="/errors"):
    """Pushed the way the Python client does: a raw string and no Content-Type."""
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.generic("POST", url, data, content_type="")


@pytest.fixture
def periskop_owner(owner):
    """The owner of the `periskop` project (the one the export reads without ?project=);
    their collectors push with its key (`push_url`), as a person's project requires."""
    response = post_json(owner, "/api/apps", {"name": "periskop", "type": "other"})
    assert response.status_code == 201, response.content
    owner.push_url = f"/errors?key={response.json()['app']['appKey']}"
    return owner


def exported(reader, url="/-/errors/"):
    response = reader.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def counts(reader, url="/-/errors/"):
    return {a["aggregation_key"]: a["total_count"] for a in exported(reader, url)["aggregated_errors"]}


def test_seed_push_is_exported_in_periskop_shape(client, periskop_owner):
    response = push(client, load_fixture("periskop_push.json"), periskop_owner.push_url)

    assert response.status_code == 200
    assert response.content == b""
    assert "Content-Type" not in response.headers

    payload = exported(periskop_owner)
    seed = load_fixture("periskop_export.json")
    # The seed's output came from the 2021 gateway: see docs/compatibility.md for each difference.
    assert list(payload) == list(seed)
    [aggregate] = payload["aggregated_errors"]
    assert list(aggregate) == list(seed["aggregated_errors"][0])
    [error] = aggregate["latest_errors"]
    seed_error_shape = seed["aggregated_errors"][0]["latest_errors"][0]
    assert list(error) == list(seed_error_shape)
    assert list(error["error"]) == list(seed_error_shape["error"])
    assert list(error["http_context"]) == list(seed_error_shape["http_context"])
    assert aggregate["aggregation_key"] == "test"
    assert aggregate["total_count"] == 1
    assert aggregate["severity"] == "error"
    assert aggregate["created_at"] == "2020-02-17T22:42:45.000000Z"
    assert error == {
        "error": {"class": "testing", "message": "", "stacktrace": ["line 12:", "syntax error"], "cause": None},
        "uuid": "5d9893c6-51d6-11ea-8aad-f894c260afe5",
        "timestamp": "2020-02-17T22:42:45.000000Z",
        "severity": "error",
        "http_context": {
            "request_method": "GET",
            "request_url": "http://example.com",
            "request_headers": {"Cache-Control": "no-cache"},
            "request_body": None,
        },
    }
    uuid.UUID(payload["target_uuid"])
    assert exported(periskop_owner, "/-/errors")["target_uuid"] == payload["target_uuid"]
    assert exported(periskop_owner, "/-/exceptions") == payload
    assert exported(periskop_owner, "/-/exceptions/") == payload


def test_repushing_the_same_cumulative_payload_counts_nothing_new(client, periskop_owner):
    for _ in range(3):
        assert push(client, seed_push(), periskop_owner.push_url).status_code == 200

    assert counts(periskop_owner) == {"test": 1}
    assert Event.objects.count() == 1


def test_count_grows_by_the_total_count_delta_and_stays_monotonic(client, periskop_owner):
    target = str(uuid.uuid4())
    first, second, third = error_with("a"), error_with("b"), error_with("c")

    push(client, push_of(target, "KeyError@1", 1, [first]), periskop_owner.push_url)
    assert counts(periskop_owner) == {"KeyError@1": 1}
    # 5 occurrences in all, of which the collector kept 3 instances.
    push(client, push_of(target, "KeyError@1", 5, [first, second, third]), periskop_owner.push_url)
    assert counts(periskop_owner) == {"KeyError@1": 5}
    # Nothing new: same total.
    push(client, push_of(target, "KeyError@1", 5, [first, second, third]), periskop_owner.push_url)
    assert counts(periskop_owner) == {"KeyError@1": 5}
    # Restarted without a new target_uuid: the smaller total is all new.
    push(client, push_of(target, "KeyError@1", 2, [error_with("d"), error_with("e")]), periskop_owner.push_url)
    assert counts(periskop_owner) == {"KeyError@1": 7}
    # Another collector process reporting the same key adds its own total.
    push(client, push_of(str(uuid.uuid4()), "KeyError@1", 3, [error_with("f")]), periskop_owner.push_url)
    assert counts(periskop_owner) == {"KeyError@1": 10}


def test_a_count_without_new_errors_still_counts(client, periskop_owner):
    target = str(uuid.uuid4())
    kept = error_with("kept")
    push(client, push_of(target, "KeyError@1", 1, [kept]), periskop_owner.push_url)

    push(client, push_of(target, "KeyError@1", 4, [kept]), periskop_owner.push_url)
    push(client, push_of(target, "KeyError@2", 2, []), periskop_owner.push_url)

    assert counts(periskop_owner) == {"KeyError@1": 4, "KeyError@2": 2}
    by_key = {a["aggregation_key"]: a for a in exported(periskop_owner)["aggregated_errors"]}
    assert [e["uuid"] for e in by_key["KeyError@1"]["latest_errors"]] == [kept["uuid"]]
    assert by_key["KeyError@2"]["latest_errors"] == []


def test_at_most_ten_latest_errors_per_key_oldest_dropped(client, periskop_owner):
    target = str(uuid.uuid4())
    errors = [error_with(f"n{i}", timestamp=f"2026-11-24T10:00:{i:02d}Z") for i in range(15)]
    push(client, push_of(target, "KeyError@1", 5, errors[:5]), periskop_owner.push_url)
    push(client, push_of(target, "KeyError@1", 15, errors[5:]), periskop_owner.push_url)

    [aggregate] = exported(periskop_owner)["aggregated_errors"]
    assert aggregate["total_count"] == 15
    assert [e["error"]["message"] for e in aggregate["latest_errors"]] == [f"n{i}" for i in range(5, 15)]
    assert Event.objects.filter(fingerprint="KeyError@1").count() == 10


def test_severity_cause_chain_and_unknown_keys(client, periskop_owner):
    body = seed_push()
    body["extra_top_level"] = True
    aggregate = body["aggregated_errors"][0]
    aggregate["severity"] = ""
    aggregate["Aggregation_Key"] = aggregate.pop("aggregation_key")  # Go matches keys case-insensitively
    error = aggregate["latest_errors"][0]
    error["severity"] = None
    error["unknown"] = {"ignored": 1}
    error["error"]["cause"] = {
        "class": "OSError",
        "message": "disk full",
        "stacktrace": None,
        "cause": {"class": "IOError", "message": "write", "stacktrace": ["a"], "cause": None},
    }
    warning = push_of(body["target_uuid"], "slow", 1, [seed_error(body, uuid=str(uuid.uuid4()), severity="warning")])

    assert push(client, body, periskop_owner.push_url).status_code == 200
    assert push(client, warning, periskop_owner.push_url).status_code == 200

    by_key = {a["aggregation_key"]: a for a in exported(periskop_owner)["aggregated_errors"]}
    assert by_key["test"]["severity"] == "error"
    assert by_key["test"]["latest_errors"][0]["severity"] == "error"
    assert by_key["test"]["latest_errors"][0]["error"]["cause"] == error["error"]["cause"]
    assert by_key["slow"]["severity"] == "warning"


def test_project_query_parameter_and_project_key(client, owner):
    other = post_json(owner, "/api/apps", {"name": "payments", "type": "other"}).json()["app"]
    # A person's project takes keyless pushes only once its owner allows them.
    assert push(client, seed_push(), "/errors?project=payments").status_code == 401
    project_id = Project.objects.get(app_key=other["appKey"]).id
    assert patch_json(owner, f"/api/v1/projects/{project_id}/", {"keyless_ingest": True}).status_code == 200

    assert push(client, seed_push(), "/errors?project=payments").status_code == 200
    assert counts(owner, "/-/errors?project=payments") == {"test": 1}

    body = push_of(str(uuid.uuid4()), "by-key", 1, [error_with("x")])
    assert push(client, body, f"/errors?key={other['appKey']}").status_code == 200
    assert counts(owner, "/-/errors?project=payments") == {"test": 1, "by-key": 1}

    response = push(client, body, "/errors?key=web_unknown")
    assert response.status_code == 401
    assert response.json() == {"error": "Unknown project key.", "field": "key"}


def test_periskop_issues_show_in_the_one_issue_list(client, periskop_owner):
    [project] = periskop_owner.get("/api/apps").json()["apps"]
    assert post_json(client, "/api/events/batch", seed_batch(project["appKey"])).status_code == 202
    push(client, seed_push(), periskop_owner.push_url)

    issues = periskop_owner.get("/api/issues").json()["issues"]
    periskop_issue = next(i for i in issues if i["source"] == "periskop")
    assert (periskop_issue["fingerprint"], periskop_issue["message"], periskop_issue["eventCount"]) == (
        "test",
        "testing",
        1,
    )
    detail = periskop_owner.get(f"/api/issues/{periskop_issue['id']}").json()
    assert detail["events"][0]["eventId"] == "5d9893c6-51d6-11ea-8aad-f894c260afe5"
    native = periskop_owner.get("/api/v1/issues/").json()["results"]
    assert sorted((i["source"], i["fingerprint"]) for i in native) == [
        ("healthguard", "js:abc123"),
        ("periskop", "test"),
    ]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ("{not json", "body", "Body is not valid JSON"),
        ("[1, 2]", "body", "Body must be a JSON object"),
        ({"aggregated_errors": {}}, "aggregated_errors", "must be an array or null"),
        ({"aggregated_errors": [1]}, "aggregated_errors.0", "must be an object"),
        (
            push_of("t", "k", "3", []),
            "aggregated_errors.0.total_count",
            "must be an integer from 0 to 2147483647",
        ),
        (push_of("t", "k", -1, []), "aggregated_errors.0.total_count", "must be an integer from 0 to 2147483647"),
        (
            push_of("t", "k", 1, [], severity="fatal"),
            "aggregated_errors.0.severity",
            "must be one of info, warning, error",
        ),
        (
            push_of("t", "k", 1, [{**error_with("x"), "timestamp": "yesterday"}]),
            "aggregated_errors.0.latest_errors.0.timestamp",
            "must be an RFC3339 timestamp such as 2020-02-17T22:42:45Z",
        ),
        (
            push_of("t", "k", 1, [{**error_with("x"), "error": {"class": 3}}]),
            "aggregated_errors.0.latest_errors.0.error.class",
            "must be a string",
        ),
        (
            push_of("t", "k", 1, [{**error_with("x"), "http_context": {"request_headers": {"a": 1}}}]),
            "aggregated_errors.0.latest_errors.0.http_context.request_headers",
            "must be an object of strings or null",
        ),
        ({"target_uuid": 5}, "target_uuid", "must be a string"),
    ],
)
def test_bad_pushes_get_400_naming_the_field_and_store_nothing(client, body, field, message):
    response = push(client, body)

    assert response.status_code == 400
    assert response.json() == {"error": message, "field": field}
    assert Event.objects.count() == 0


def test_wrong_methods_get_405_json(client):
    response = client.put("/errors", "{}")
    assert response.status_code == 405
    assert response.json() == {"error": "Method PUT is not allowed here"}
    assert client.post("/-/errors", "{}", content_type="application/json").status_code == 405


def test_export_needs_a_token_unless_the_legacy_api_is_open(client, periskop_owner, stranger, settings):
    push(client, seed_push(), periskop_owner.push_url)

    assert client.get("/-/errors").status_code == 401
    assert client.get("/-/errors").json() == {"error": "Unauthorized"}
    response = client.get(f"/-/errors?token={periskop_owner.token}")
    assert response.status_code == 200
    assert counts(periskop_owner) == {"test": 1}
    response = stranger.get("/-/errors")
    assert response.status_code == 404
    assert response.json() == {"error": "Unknown project 'periskop'", "field": "project"}

    settings.ERRORHUB_OPEN_LEGACY_API = True
    assert counts(client) == {"test": 1}
    assert client.get("/-/errors?project=nothing").status_code == 404


def seed_paths(value, path=()):
    """Every place in the seed push a value sits, as key/index paths."""
    yield path
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from seed_paths(child, (*path, key))


def test_no_mistyped_field_of_the_seed_push_gets_a_500(client):
    """Every field of the seed replaced by every JSON type: a 2xx or a 4xx naming the field."""
    for path in list(seed_paths(seed_push()))[1:]:
        for wrong in (None, True, -1, 1.5, "x", "", [], [1], {}, {"a": 1}, "0001-01-01T00:00:00+01:00"):
            body = seed_push()
            holder = body
            for step in path[:-1]:
                holder = holder[step]
            holder[path[-1]] = wrong
            response = push(client, body)
            assert response.status_code in (200, 400), (path, wrong, response.content)
            if response.status_code == 400:
                assert response.json()["field"].startswith(str(path[0])), (path, wrong, response.json())


def test_export_queries_do_not_grow_with_keys(client, periskop_owner, django_assert_max_num_queries):
    target = str(uuid.uuid4())
    for n in range(12):
        push(client, push_of(target, f"KeyError@{n}", 2, [error_with("a"), error_with("b")]), periskop_owner.push_url)

    # Token, project, issues, their errors.
    with django_assert_max_num_queries(4):
        aggregates = exported(periskop_owner)["aggregated_errors"]
    assert [len(a["latest_errors"]) for a in aggregates] == [2] * 12


def test_admin_lists_the_counters_read_only(client, django_user_model):
    push(client, seed_push())
    admin_user = django_user_model.objects.create_superuser(email="admin@example.com", password="correct-horse")
    client.force_login(admin_user)

    page = client.get("/admin/ingest/periskopcounter/")
    assert page.status_code == 200
    assert "5d9893c6-51d6-11ea-8aad-f894c260afe5" in page.content.decode()
    assert client.get("/admin/ingest/periskopcounter/add/").status_code == 403


def test_go_stack_traces_become_frames_innermost_last(client, periskop_owner):
    error = error_with("boom")
    error["error"]["stacktrace"] = [
        "main.handler(0xc000010000)",
        "\t/app/server/handler.go:42 +0x1d",
        "net/http.HandlerFunc.ServeHTTP(...)",
        "\t/usr/local/go/src/net/http/server.go:2136 +0x29",
    ]
    push(client, push_of(str(uuid.uuid4()), "boom", 1, [error]), periskop_owner.push_url)

    [event] = periskop_owner.get("/api/v1/events/?source=periskop").json()["results"]
    assert [(f["function"], f["filename"], f["lineno"], f["in_app"]) for f in event["frames"]] == [
        ("net/http.HandlerFunc.ServeHTTP", "/usr/local/go/src/net/http/server.go", 2136, False),
        ("main.handler", "/app/server/handler.go", 42, True),
    ]
