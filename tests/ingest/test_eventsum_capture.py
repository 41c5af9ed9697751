"""An Eventsum client captures events; its service's owner finds them with /search and /detail."""

import base64
import copy
import hashlib
import json

import pytest

from accounts.models import Project
from issues.models import Event, Issue
from tests.conftest import load_fixture
from tests.support.api import create_app, patch_json, post_json

pytestmark = pytest.mark.django_db

SEED_WINDOW = "start_time=2017-12-13 21:00:00&end_time=2017-12-13 22:00:00"

# The seed capture after its filters, as Go's json.Marshal writes upstream's EventData,
# written out by hand from the encoding rules rather than produced by errorhub:
# - EventData is a struct: "message" then "raw_data", in declaration order;
# - every filter re-shapes raw_data into the example's stackTrace struct, so each frame has
#   exactly abs_path, context_line, filename, function, lineno, module, post_context,
#   pre_context, vars, in that order;
# - exception_python_process_stack_vars (instance) finds no vars; then
#   exception_python_remove_line_no sets lineno to 0 and exception_python_remove_stack_vars
#   sets vars to a nil map, which Go writes as null;
# - the output is compact, and json.Marshal escapes <, > and & as \u003c, \u003e, \u0026
#   ("<module>" below) and a double quote as \".
SEED_PROCESSED_DATA_GO_JSON = (
    r'{"message":"integer division or modulo by zero","raw_data":{"frames":['
    r'{"abs_path":"/home/jwen/ContextLogic/test/server.py","context_line":"        print func4(3)",'
    r'"filename":"test/server.py","function":"\u003cmodule\u003e","lineno":0,"module":"__main__",'
    r'"post_context":["    except Exception as e:","        exc_typ, exc_value, tb = sys.exc_info()",'
    r'"        data = {}","        data['
    r"'timestamp'"
    r'] = datetime.utcnow().strftime(\"%Y-%m-%d %H:%M:%S\")","        data['
    r"'service'"
    r"] = 'WISH FE'"
    r'"],'
    r'"pre_context":["def func4(a):","    return func3(a)","","if __name__ == '
    r"'__main__'"
    r':","    try:"],"vars":null},'
    r'{"abs_path":"/home/jwen/ContextLogic/test/server.py","context_line":"    return func3(a)",'
    r'"filename":"test/server.py","function":"func4","lineno":0,"module":"__main__",'
    r'"post_context":["","if __name__ == '
    r"'__main__'"
    r':","    try:","        print func4(3)","    except Exception as e:"],'
    r'"pre_context":["","def func3(a):","    return func2(a)","","def func4(a):"],"vars":null}]}}'
)
# Upstream util.Hash: base64.URLEncoding (URL-safe alphabet, with padding) of the SHA-256.
SEED_BASE_HASH = "C3C-Mh_oEL3I3-6L2ZQPr-EC_y6sxn3lprECEfvpisI="


def seed_capture(**changes):
    capture = copy.deepcopy(load_fixture("eventsum_capture.json"))
    capture.update(changes)
    return capture


def create_service(user_client, name="WISH FE"):
    return Project.objects.get(app_key=create_app(user_client, name, type="other"))


def test_the_base_hash_was_derived_from_the_go_encoding_rules():
    """The pinned value is the hash of the hand-written Go bytes, so the two cannot drift apart."""
    digest = hashlib.sha256(SEED_PROCESSED_DATA_GO_JSON.encode()).digest()
    assert base64.urlsafe_b64encode(digest).decode() == SEED_BASE_HASH
    # And the hand-written bytes are the seed's frames, filtered, in some JSON spelling.
    frames = json.loads(SEED_PROCESSED_DATA_GO_JSON)["raw_data"]["frames"]
    seed_frames = load_fixture("eventsum_capture.json")["event_data"]["raw_data"]["frames"]
    assert [f["context_line"] for f in frames] == [f["context_line"] for f in seed_frames]
    assert {(f["lineno"], f["vars"]) for f in frames} == {(0, None)}


def test_the_seed_capture_is_stored_and_found_by_its_upstream_hash(client, owner):
    service = create_service(owner)

    response = post_json(client, "/capture", seed_capture(), HTTP_X_ERRORHUB_KEY=service.app_key)

    assert response.status_code == 200
    assert response.content == b""
    event = Event.objects.get(project=service)
    assert event.fingerprint == SEED_BASE_HASH
    found = owner.get(f"/search?service_id={service.id}&hash={SEED_BASE_HASH}&{SEED_WINDOW}").json()["events"]
    assert [base["id"] for base in found] == [event.issue_id]
    assert owner.get(f"/search?service_id={service.id}&hash=other&{SEED_WINDOW}").json() == {"events": []}


def test_the_seed_capture_shows_in_search_with_filtered_data_and_datapoints(client, owner):
    service = create_service(owner)
    assert post_json(client, "/capture", seed_capture(), HTTP_X_ERRORHUB_KEY=service.app_key).status_code == 200
    assert (
        post_json(
            client, "/capture", seed_capture(timestamp="2017-12-13 21:43:00"), HTTP_X_ERRORHUB_KEY=service.app_key
        ).status_code
        == 200
    )

    events = owner.get(f"/search?service_id={service.id}&{SEED_WINDOW}").json()["events"]

    assert len(events) == 1
    base = events[0]
    issue = Issue.objects.get(pk=base["id"])
    assert (base["event_type"], base["event_name"], base["total_count"]) == ("python", "ZeroDivisionError", 2)
    assert base["event_group_id"] == issue.group_id
    assert base["processed_data"] == json.loads(SEED_PROCESSED_DATA_GO_JSON)
    # 10-minute datapoints in unix ms: 21:20 and 21:40 on 2017-12-13 UTC.
    assert base["datapoints"] == [{"count": 1, "start": 1513200000000}, {"count": 1, "start": 1513201200000}]
    # Both captures have the same unfiltered data: one instance, the first capture.
    first = Event.objects.filter(issue=issue).order_by("id").first()
    assert base["instance_ids"] == [first.id]


def test_detail_returns_the_raw_data_and_extra_args(client, owner):
    service = create_service(owner)
    capture = seed_capture(extra_args={"locals": {"a": 3}, "host": "web-1"})
    assert post_json(client, "/capture", capture, HTTP_X_ERRORHUB_KEY=service.app_key).status_code == 200
    instance_id = owner.get(f"/search?service_id={service.id}&{SEED_WINDOW}").json()["events"][0]["instance_ids"][0]

    for param in ("event_id", "event_instance_id"):
        response = owner.get(f"/detail?{param}={instance_id}")
        assert response.status_code == 200
        assert response.json() == {
            "event_details": {
                "event_type": "python",
                "event_name": "ZeroDivisionError",
                "service_id": service.id,
                "raw_data": capture["event_data"],
                "raw_details": {"locals": {"a": 3}, "host": "web-1"},
            }
        }


def test_numbers_and_strings_hash_as_go_writes_them(client, owner):
    """Without filters raw_data is a Go map: keys sorted, numbers float64, HTML characters escaped."""
    service = create_service(owner)
    raw_data = {"g": 1e20, "b": 1e21, "a": 0.000001, "c": 1e-7, "d": 21, "e": "<&>\u2028", "f": 1.5}
    capture = seed_capture(
        event_data={"message": "m", "raw_data": raw_data},
        configurable_filters={"instance": [], "base": [], "extra_args": []},
    )
    go_bytes = (
        r'{"message":"m","raw_data":{"a":0.000001,"b":1e+21,"c":1e-7,"d":21,'
        r'"e":"\u003c\u0026\u003e\u2028","f":1.5,"g":100000000000000000000}}'
    )
    expected = base64.urlsafe_b64encode(hashlib.sha256(go_bytes.encode()).digest()).decode()

    assert post_json(client, "/capture", capture, HTTP_X_ERRORHUB_KEY=service.app_key).status_code == 200

    found = owner.get(f"/search?service_id={service.id}&hash={expected}&{SEED_WINDOW}").json()["events"]
    assert [base["processed_data"] for base in found] == [{"message": "m", "raw_data": raw_data}]


def test_line_numbers_and_memory_addresses_do_not_split_a_base(client, owner):
    service = create_service(owner)
    first = seed_capture()
    first["event_data"]["raw_data"]["frames"][0]["vars"] = {"obj": "<Foo at 0x7f3a2c>", "n": 1}
    second = copy.deepcopy(first)
    second["event_data"]["raw_data"]["frames"][0]["lineno"] = 99
    second["event_data"]["raw_data"]["frames"][0]["vars"]["obj"] = "<Foo at 0X1b2c>"
    for capture in (first, second):
        assert post_json(client, "/capture", capture, HTTP_X_ERRORHUB_KEY=service.app_key).status_code == 200

    (base,) = owner.get(f"/search?service_id={service.id}&{SEED_WINDOW}").json()["events"]

    assert base["total_count"] == 2
    # Two instances: the instance filter masks addresses but keeps line numbers.
    assert len(base["instance_ids"]) == 2
    assert base["processed_data"]["raw_data"]["frames"][0]["vars"] is None


def test_the_timestamp_format_is_a_setting(client, owner, settings):
    settings.ERRORHUB_EVENTSUM_TIME_FORMAT = "%d/%m/%Y %H:%M"
    service = create_service(owner)

    assert (
        post_json(client, "/capture", seed_capture(), HTTP_X_ERRORHUB_KEY=service.app_key).json()["field"]
        == "timestamp"
    )
    assert (
        post_json(
            client, "/capture", seed_capture(timestamp="13/12/2017 21:23"), HTTP_X_ERRORHUB_KEY=service.app_key
        ).status_code
        == 200
    )
    window = "start_time=13/12/2017 21:00&end_time=13/12/2017 22:00"
    assert len(owner.get(f"/search?service_id={service.id}&{window}").json()["events"]) == 1


def test_a_project_key_decides_the_project_and_an_unknown_key_is_refused(client, owner):
    service = create_service(owner, name="checkout")

    assert post_json(client, f"/capture?key={service.app_key}", seed_capture()).status_code == 200
    assert Event.objects.get().project == service
    response = post_json(client, "/capture", seed_capture(), HTTP_X_ERRORHUB_KEY="nope")
    assert response.status_code == 401
    assert "error" in response.json()


def test_an_unknown_service_creates_its_project_unless_ingest_is_closed(client, settings):
    assert post_json(client, "/capture", seed_capture(service="WISH BE")).status_code == 200
    assert Project.objects.filter(name="WISH BE").exists()

    settings.ERRORHUB_OPEN_INGEST = False
    response = post_json(client, "/capture", seed_capture(service="WISH API"))
    assert response.status_code == 401
    assert response.json()["field"] == "service"


def test_a_persons_service_takes_captures_only_with_its_key_unless_its_owner_opens_it(client, owner):
    service = create_service(owner)

    response = post_json(client, "/capture", seed_capture())
    assert response.status_code == 401
    assert response.json()["field"] == "service"
    assert not Event.objects.exists()
    assert Project.objects.filter(name="WISH FE").count() == 1  # no second project either

    assert patch_json(owner, f"/api/v1/projects/{service.id}/", {"keyless_ingest": True}).status_code == 200
    assert post_json(client, "/capture", seed_capture()).status_code == 200
    assert Event.objects.get().project == service


def test_a_project_open_ingest_created_takes_captures_by_name(client, owner):
    assert post_json(client, "/capture", seed_capture(service="WISH BE")).status_code == 200
    assert post_json(client, "/capture", seed_capture(service="WISH BE")).status_code == 200
    project = Project.objects.get(name="WISH BE")
    assert (project.keyless_ingest, project.created_by_ingest) == (True, True)
    assert Event.objects.filter(project=project).count() == 2


def test_eventsum_issues_show_in_healthguard_issue_list_with_their_source(client, owner):
    service = create_service(owner)
    assert post_json(client, "/capture", seed_capture(), HTTP_X_ERRORHUB_KEY=service.app_key).status_code == 200

    (issue,) = owner.get("/api/issues").json()["issues"]

    assert issue["source"] == "eventsum"
    assert issue["fingerprint"] == SEED_BASE_HASH
    # Issue 7: titled `<event_name>: <message>`, the event name (the exception class) as its type.
    assert issue["message"] == "ZeroDivisionError: integer division or modulo by zero"
    assert issue["errorType"] == "ZeroDivisionError"


def test_an_unknown_filter_is_refused_listing_the_known_ones(client):
    capture = seed_capture(configurable_filters={"instance": [], "base": ["exception_go_magic"]})

    response = post_json(client, "/capture", capture)

    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "configurable_filters.base.0"
    assert "exception_go_magic" in body["error"]
    for known in (
        "exception_python_process_stack_vars",
        "exception_python_remove_line_no",
        "exception_python_remove_stack_vars",
    ):
        assert known in body["error"]
    assert not Event.objects.exists()


def test_configurable_groupings_are_accepted_and_kept(client):
    assert post_json(client, "/capture", seed_capture(configurable_groupings=["by_host"])).status_code == 200
    assert Event.objects.get().data["configurable_groupings"] == ["by_host"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (None, "body"),
        ({"timestamp": None}, "timestamp"),
        ({"timestamp": "2017-12-13T21:23:10Z"}, "timestamp"),
        ({"event_name": ""}, "event_name"),
        ({"event_type": ""}, "event_type"),
        ({"event_type": 3}, "event_type"),
        ({"event_type": "x" * 33}, "event_type"),
        ({"event_name": "x" * 501}, "event_name"),
        ({"service": "s" * 201}, "service"),
        ({"environment": "e" * 101}, "environment"),
        ({"service": ""}, "service"),
        ({"event_data": []}, "event_data"),
        ({"event_data": {"message": 1, "raw_data": {}}}, "event_data.message"),
        ({"event_data": {"message": "m", "raw_data": "text"}}, "event_data.raw_data"),
        ({"event_data": {"message": "m", "raw_data": {"frames": {}}}}, "event_data.raw_data.frames"),
        (
            {"event_data": {"message": "m", "raw_data": {"frames": [{"lineno": "21"}]}}},
            "event_data.raw_data.frames.0.lineno",
        ),
        ({"event_data": {"message": "m", "raw_data": {"frames": [{"vars": []}]}}}, "event_data.raw_data.frames.0.vars"),
        ({"extra_args": [1]}, "extra_args"),
        ({"configurable_filters": {"instance": "exception_python_remove_line_no"}}, "configurable_filters.instance"),
        ({"configurable_groupings": [1]}, "configurable_groupings.0"),
    ],
)
def test_bad_captures_get_a_400_naming_the_field(client, body, field):
    payload = [] if body is None else seed_capture(**body)

    response = post_json(client, "/capture", payload)

    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert not Event.objects.exists()


def test_non_json_and_non_finite_numbers_are_refused(client):
    assert post_json(client, "/capture", "{not json").json()["field"] == "body"
    body = json.dumps(seed_capture()).replace('"extra_args": {}', '"extra_args": {"x": NaN}')
    response = post_json(client, "/capture", body)
    assert response.status_code == 400
    assert response.json()["field"] == "extra_args.x"


def test_deeply_nested_data_is_refused(client):
    nested = []
    for _ in range(150):
        nested = [nested]
    capture = seed_capture(event_data={"message": "m", "raw_data": {"deep": nested}}, configurable_filters={})

    response = post_json(client, "/capture", capture)

    assert response.status_code == 400
    assert response.json()["field"].startswith("event_data.raw_data.deep.0.0")


def test_capture_only_takes_post(client):
    response = client.get("/capture")
    assert response.status_code == 405
    assert "error" in response.json()
