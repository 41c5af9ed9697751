"""Property: whatever a client sends to an ingest or write endpoint (lone surrogates, NULs,
integers no bigint holds, floats JSON cannot carry, JSON nested past any parser's recursion,
in the body or the query string), errorhub answers it without a 5xx. Through the real
gunicorn server; each endpoint starts from a body its surface accepts and has one field
replaced, or gets arbitrary JSON, so the fuzz reaches past the first validation."""

import json
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from accounts.tokens import issue_token
from tests.conftest import load_fixture
from tests.support.healthguard import seed_batch
from tests.support.server import sentry_ingest_url, signed_up

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE_TEXT = ["\ud800", "\udfff", "a\x00b", "\x00", "\U0010ffff", "", " ", "%00", "../../etc", "9" * 30]
HOSTILE_INTEGERS = [2**63, -(2**63) - 1, 2**64, 10**20, -1, 0, 10**400]
text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=20))
integers = st.one_of(st.sampled_from(HOSTILE_INTEGERS), st.integers())
leaves = st.one_of(st.none(), st.booleans(), integers, st.floats(), text)
json_values = st.recursive(
    leaves, lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3), max_leaves=12
)
query_values = st.one_of(text, integers.map(str))


def paths(value, prefix=()):
    """Every path to a value in a JSON document."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from paths(item, (*prefix, i))


def replaced(document, path, value):
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


def bodies(seed):
    """The seed with one field replaced by something hostile, arbitrary JSON, or either nested deep."""
    all_paths = list(paths(seed))
    mutated = st.builds(replaced, st.just(seed), st.sampled_from(all_paths), json_values)
    encoded = st.one_of(mutated, json_values).map(lambda value: json.dumps(value).encode())
    deep = st.tuples(encoded, st.integers(90, 60_000)).map(lambda pair: b"[" * pair[1] + pair[0] + b"]" * pair[1])
    return st.one_of(encoded, encoded, deep)


def query_strings(names):
    pairs = st.lists(st.tuples(st.sampled_from(names), query_values), max_size=3)
    return pairs.map(
        lambda items: "&".join(f"{quote(k)}={quote(v, safe='', errors='surrogatepass')}" for k, v in items)
    )


ENDPOINTS = [
    "healthguard", "periskop", "eventsum", "sentry webhook", "glitchtip webhook", "envelope", "store", "register",
    "login", "apps", "assign_group", "v1 projects", "v1 groups", "v1 group patch", "v1 project patch", "alerts",
    "alerts patch", "v1 lists", "legacy lists",
]  # fmt: skip


def targets(url):
    """Each endpoint: (method, path, headers, a body its surface accepts, its query parameters)."""
    user, [project] = signed_up(url, "fuzz@example.com")
    superuser = User.objects.create_superuser("ops@example.com", "pw-12345678")
    operator = {"Authorization": f"Bearer {issue_token(superuser)}"}
    group = requests.post(f"{url}/api/v1/groups/", json={"project": project["id"], "name": "g"}, headers=user).json()
    frames = {"frames": [{"lineno": 1, "function": "f"}]}
    event = {
        "event_id": "7f3c2a0e9b4d4c6e8a1b2c3d4e5f6a7b",
        "message": "boom",
        "level": "error",
        "exception": {"values": [{"type": "KeyError", "value": "x", "stacktrace": frames}]},
    }
    webhook = {
        "action": "triggered",
        "data": {"event": {**event, "title": "t", "project": 4, "datetime": "2026-01-01T00:00:00Z"}},
    }
    glitchtip = {
        "alias": "GlitchTip",
        "text": "GlitchTip Alert",
        "attachments": [
            {"title": "KeyError", "title_link": "https://glitchtip.example/acme/issues/1", "text": "x", "fields": []}
        ],
    }
    alert = {
        "app": "shop-prod",
        "slack": "#ops",
        "email": "ops@example.com",
        "post": "https://hooks.example/x",
        "warn": "1",
        "crit": "2",
        "window": "5m",
        "every": "1m",
    }
    envelope_header = json.dumps({"dsn": project["dsn"]}) + '\n{"type": "event"}\n'
    return {
        "healthguard": ("POST", "/api/events/batch", {}, seed_batch(), ["key"]),
        "periskop": ("POST", "/errors", {}, load_fixture("periskop_push.json"), ["project", "key"]),
        "eventsum": ("POST", "/capture", {}, load_fixture("eventsum_capture.json"), ["key"]),
        "sentry webhook": ("POST", "/sentry/webhook", {"Sentry-Hook-Resource": "event_alert"}, webhook, ["key"]),
        "glitchtip webhook": ("POST", "/glitchtip/webhook", {}, glitchtip, ["token", "key"]),
        # The fuzzed body is the envelope's event item.
        "envelope": ("POST", f"/api/{project['id']}/envelope/", {"X-Envelope-Header": envelope_header}, event,
                     ["sentry_key"]),
        "store": ("POST", sentry_ingest_url("", project), {}, event, ["sentry_key"]),
        "register": ("POST", "/api/auth/register", {}, {"email": "a@b.co", "password": "a-long-password"}, []),
        "login": ("POST", "/api/auth/login", {}, {"email": "fuzz@example.com", "password": "x"}, []),
        "apps": ("POST", "/api/apps", user, {"name": "shop", "type": "web"}, ["token"]),
        "assign_group": ("POST", "/assign_group", user, [{"event_id": 1, "group_id": group["id"]}], []),
        "v1 projects": ("POST", "/api/v1/projects/", user, {"name": "p", "platform": "python"}, ["limit"]),
        "v1 groups": ("POST", "/api/v1/groups/", user, {"project": project["id"], "name": "n", "info": "i"}, []),
        "v1 group patch": ("PATCH", f"/api/v1/groups/{group['id']}/", user, {"name": "m", "info": "i"}, []),
        "v1 project patch": ("PATCH", f"/api/v1/projects/{project['id']}/", user, {"name": "w"}, []),
        "alerts": ("POST", "/task/5xx", operator, alert, []),
        "alerts patch": ("PATCH", "/task/5xx", operator, alert, []),
        "v1 lists": ("GET", "/api/v1/events/", user, {}, ["limit", "offset", "project", "issue", "level"]),
        "legacy lists": ("GET", "/search", user, {}, ["limit", "hash", "keywords", "service_id", "start_time"]),
    }  # fmt: skip


def assert_never_5xx(url, method, path, headers, seed, parameters):
    headers = {"Content-Type": "application/json", **headers}
    prefix = headers.pop("X-Envelope-Header", "").encode()

    @settings(max_examples=25, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
    @given(body=bodies(seed), query=query_strings(parameters or ["x"]))
    def never_5xx(body, query):
        target = url + path + (("&" if "?" in path else "?") + query if query else "")
        data = None if method == "GET" else prefix + body
        response = requests.request(method, target, data=data, headers=headers, timeout=60)
        assert response.status_code < 500, (target, (data or b"")[:300], response.status_code, response.text[:300])

    never_5xx()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_no_request_to_an_ingest_or_write_endpoint_gets_a_5xx(errorhub_server, endpoint):
    assert_never_5xx(errorhub_server, *targets(errorhub_server)[endpoint])
