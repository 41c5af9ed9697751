"""The Sentry ingest protocol as SDKs speak it: envelopes the real sentry-sdk builds, posted by hand."""

import base64
import gzip
import json
import zlib

import brotli
import pytest
import sentry_sdk

from accounts.models import Project
from issues.models import Event, Issue
from tests.support.sentry import create_project, recorded_envelopes

pytestmark = pytest.mark.django_db

ENVELOPE = "application/x-sentry-envelope"


@pytest.fixture
def project(owner):
    return create_project(owner)


@pytest.fixture
def key(project):
    return project["dsn"].split("//", 1)[1].split("@", 1)[0]


def sdk_envelope(project, exception, **options):
    """The bytes the official SDK sends for one captured exception (raised for a real traceback)."""
    with recorded_envelopes(project["dsn"], **options) as envelopes:
        try:
            raise exception
        except Exception:
            sentry_sdk.capture_exception()
    [envelope] = envelopes
    return envelope


def post_envelope(client, project, body, key=None, content_type=ENVELOPE, path="envelope/", **headers):
    query = f"?sentry_key={key}&sentry_version=7" if key else ""
    return client.post(f"/api/{project['id']}/{path}{query}", body, content_type=content_type, **headers)


def envelope_of(*items, headers=None):
    """An envelope from (item headers, payload bytes) pairs; `length` is the caller's choice."""
    lines = [json.dumps(headers or {}).encode()]
    for item_headers, payload in items:
        lines += [json.dumps(item_headers).encode(), payload]
    return b"\n".join(lines) + b"\n"


def event_item(event, with_length=True):
    payload = json.dumps(event).encode()
    item_headers = {"type": "event", "length": len(payload)} if with_length else {"type": "event"}
    return item_headers, payload


EVENT = {
    "event_id": "9ec79c33ec9942ab8353589fcb2e04dc",
    "timestamp": "2026-11-24T09:15:30.250Z",
    "platform": "javascript",
    "level": "error",
    "exception": {
        "values": [
            {
                "type": "TypeError",
                "value": "Cannot read properties of undefined (reading 'total')",
                "stacktrace": {
                    "frames": [
                        {"filename": "app:///cart.js", "function": "renderCart", "lineno": 10, "in_app": True},
                        {"filename": "app:///totals.js", "function": "sumTotals", "lineno": 42, "in_app": True},
                    ]
                },
            }
        ]
    },
}


def test_an_sdk_envelope_is_stored_and_answered_with_its_id(client, owner, project, key):
    body = sdk_envelope(project, KeyError("price"))
    response = post_envelope(client, project, body, key=key)

    assert response.status_code == 200, response.content
    event_id = json.loads(body.split(b"\n", 1)[0])["event_id"]
    assert response.json() == {"id": event_id}
    assert response["Access-Control-Allow-Origin"] == "*"
    [issue] = owner.get(f"/api/v1/issues/?project={project['id']}").json()["results"]
    assert (issue["error_type"], issue["event_count"], issue["source"]) == ("KeyError", 1, "sentry")

    again = post_envelope(client, project, body, key=key)
    assert again.status_code == 200
    assert Issue.objects.get().event_count == 1, "a retried envelope is counted once"


def test_gzip_deflate_and_brotli_envelopes(client, project, key):
    body = sdk_envelope(project, ValueError("bad quantity"))
    zipped = post_envelope(client, project, gzip.compress(body), key=key, HTTP_CONTENT_ENCODING="gzip")
    assert zipped.status_code == 200, zipped.content
    other = sdk_envelope(project, ZeroDivisionError("division by zero"))
    deflated = post_envelope(client, project, zlib.compress(other), key=key, HTTP_CONTENT_ENCODING="deflate")
    assert deflated.status_code == 200, deflated.content
    third = sdk_envelope(project, KeyError("sku"))
    brotlied = post_envelope(client, project, brotli.compress(third), key=key, HTTP_CONTENT_ENCODING="br")
    assert brotlied.status_code == 200, brotlied.content
    assert sorted(Issue.objects.values_list("error_type", flat=True)) == ["KeyError", "ValueError", "ZeroDivisionError"]


def test_authentication_forms_in_sentry_order(client, project, key):
    event = dict(EVENT)
    forms = {
        "query": ({"key": key}, {}),
        "X-Sentry-Auth": ({}, {"HTTP_X_SENTRY_AUTH": f"Sentry sentry_version=7, sentry_client=x/1, sentry_key={key}"}),
        "Authorization": ({}, {"HTTP_AUTHORIZATION": f"Sentry sentry_key={key}, sentry_version=7"}),
    }
    for index, (name, (query, headers)) in enumerate(forms.items()):
        event["event_id"] = f"{index:032x}"
        response = post_envelope(client, project, envelope_of(event_item(event)), **query, **headers)
        assert response.status_code == 200, (name, response.content)
    # A self-authenticated envelope carries the DSN in its header; browsers send form content
    # types to avoid a CORS preflight.
    event["event_id"] = "f" * 32
    body = envelope_of(event_item(event), headers={"dsn": project["dsn"]})
    response = post_envelope(client, project, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.content
    # The query string comes first: a good header does not rescue a wrong query key.
    response = post_envelope(
        client, project, envelope_of(event_item(EVENT)), key="0" * 32, HTTP_X_SENTRY_AUTH=f"Sentry sentry_key={key}"
    )
    assert response.status_code == 403
    assert Event.objects.count() == 4


def test_a_wrong_or_missing_key_is_403(client, owner, project, key):
    body = sdk_envelope(project, KeyError("price"))
    other = create_project(owner, "Billing")
    refused = {
        "wrong key": post_envelope(client, project, body, key="0" * 32),
        "malformed key": post_envelope(client, project, body, key="not-a-uuid"),
        # The Python SDK puts no dsn in the envelope header, so this one carries no key at all.
        "no key": post_envelope(client, project, body),
        "another project's id": post_envelope(client, other, body, key=key),
        "unknown project": client.post(f"/api/999999/envelope/?sentry_key={key}", body, content_type=ENVELOPE),
        "store, bearer token is not a key": post_envelope(
            client, project, json.dumps(EVENT), content_type="application/json", path="store/",
            HTTP_AUTHORIZATION=f"Bearer {owner.token}",
        ),
    }  # fmt: skip
    for name, response in refused.items():
        assert response.status_code == 403, name
        assert "DSN public key" in response.json()["detail"], name
        assert response["X-Sentry-Error"] == response.json()["detail"]
        assert response["Access-Control-Allow-Origin"] == "*"
    assert Event.objects.count() == 0


def test_a_deleted_projects_dsn_is_refused_at_once(client, project, key):
    # The DSN check is cached per process (accounts.selectors.sentry_project); deleting forgets it.
    body = sdk_envelope(project, KeyError("price"))
    assert post_envelope(client, project, body, key=key).status_code == 200
    Project.objects.get(pk=project["id"]).delete()
    assert post_envelope(client, project, body, key=key).status_code == 403


def test_envelopes_without_events_are_accepted_and_store_nothing(client, project, key):
    transaction = {"type": "transaction", "transaction": "/checkout", "spans": [], "timestamp": 1, "start_timestamp": 0}
    session = {"sid": "7c7b6585f2ac4d3b9b4c4a0b7f8e5c11", "status": "ok", "started": "2026-11-24T09:00:00Z"}
    report = {"timestamp": 1764000000, "discarded_events": [{"reason": "queue_overflow", "category": "error"}]}
    bodies = [
        envelope_of(({"type": "transaction"}, json.dumps(transaction).encode()), headers={"event_id": "a" * 32}),
        envelope_of(({"type": "session"}, json.dumps(session).encode())),
        envelope_of(({"type": "sessions"}, b"{}"), ({"type": "client_report"}, json.dumps(report).encode())),
        envelope_of(({"type": "attachment", "length": 5, "filename": "a.txt"}, b"12\n45")),
        envelope_of(({"type": "profile_chunk"}, b"not even json")),
        b"{}",
        b"{}\n",
    ]  # fmt: skip
    for body in bodies:
        response = post_envelope(client, project, body, key=key)
        assert response.status_code == 200, (body, response.content)
    assert post_envelope(client, project, bodies[0], key=key).json() == {"id": "a" * 32}
    assert Event.objects.count() == 0


def test_an_event_beside_other_items_is_stored(client, project, key):
    body = envelope_of(
        ({"type": "client_report"}, b'{"discarded_events": []}'),
        event_item(EVENT, with_length=False),
        ({"type": "attachment", "length": 3}, b"a\nb"),
        headers={"event_id": "9ec79c33-ec99-42ab-8353-589fcb2e04dc", "sent_at": "2026-11-24T09:15:31Z"},
    )
    response = post_envelope(client, project, body, key=key, content_type="text/plain")
    assert response.status_code == 200, response.content
    event = Event.objects.get()
    assert event.event_id == "9ec79c33ec9942ab8353589fcb2e04dc"
    assert event.issue.title == "TypeError: Cannot read properties of undefined (reading 'total')"
    assert event.issue.culprit == "app:///totals.js in sumTotals"
    assert event.timestamp.isoformat() == "2026-11-24T09:15:30.250000+00:00"


def test_the_store_endpoint(client, project, key):
    auth = {"HTTP_X_SENTRY_AUTH": f"Sentry sentry_key={key}, sentry_version=7"}
    stored = post_envelope(client, project, json.dumps(EVENT), content_type="application/json", path="store/", **auth)
    assert stored.status_code == 200, stored.content
    assert stored.json() == {"id": EVENT["event_id"]}
    # raven (the SDK before sentry-sdk) sent base64 of zlib'd JSON.
    legacy = dict(EVENT, event_id="1" * 32, message="legacy", exception=None)
    body = base64.b64encode(zlib.compress(json.dumps(legacy).encode()))
    response = post_envelope(client, project, body, content_type="application/octet-stream", path="store/", **auth)
    assert response.status_code == 200, response.content
    assert sorted(Event.objects.values_list("message", flat=True)) == [
        "TypeError: Cannot read properties of undefined (reading 'total')",
        "legacy",
    ]


def test_preflight_and_routes_without_the_trailing_slash(client, project, key):
    preflight = client.options(f"/api/{project['id']}/envelope/", HTTP_ORIGIN="https://shop.example.com")
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert preflight["Access-Control-Max-Age"] == "3600"
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    for header in ("X-Sentry-Auth", "Content-Type", "Content-Encoding", "Authorization", "sentry-trace", "baggage"):
        assert header in preflight["Access-Control-Allow-Headers"]
    response = post_envelope(client, project, envelope_of(event_item(EVENT)), key=key, path="envelope")
    assert response.status_code == 200
    wrong_method = client.get(f"/api/{project['id']}/store/")
    assert wrong_method.status_code == 405
    assert wrong_method["Access-Control-Allow-Origin"] == "*"
    assert "detail" in wrong_method.json()


def test_sensitive_data_is_scrubbed_before_it_is_stored(client, owner, project, key):
    event = dict(
        EVENT,
        message="paid with 4111 1111 1111 1111",
        request={
            "url": "https://shop.example.com/checkout",
            "headers": {"Authorization": "Bearer abc", "X-Api-Key": "k", "Accept": "text/html"},
            "data": {"card": "4111-1111-1111-1111", "note": "my password is hunter2"},
        },
        extra={"credentials": {"user": "ada", "pass": "x"}, "cart": 3},
        user={"id": "u-1", "ip_address": "{{auto}}"},
    )
    exception = event["exception"]["values"][0]
    event["exception"] = {"values": [dict(exception, value="Invalid token for user 1")]}
    response = post_envelope(client, project, envelope_of(event_item(event)), key=key)
    assert response.status_code == 200, response.content

    [stored] = owner.get(f"/api/v1/events/?project={project['id']}").json()["results"]
    request = stored["data"]["request"]
    assert request["headers"] == {"Authorization": "[Filtered]", "X-Api-Key": "[Filtered]", "Accept": "text/html"}
    # A sensitive key's value goes; a value that merely mentions a sensitive word stays (issue 7).
    assert request["data"] == {"card": "[Filtered]", "note": "my password is hunter2"}
    assert stored["data"]["extra"] == {"credentials": "[Filtered]", "cart": 3}
    assert stored["raw"]["request"] == request
    assert "4111" not in json.dumps(stored)
    # What names the error is kept, so grouping and titles still work.
    assert stored["exception_value"] == "Invalid token for user 1"
    assert stored["user"] == "u-1"


BAD_ENVELOPES = {
    "envelope": b"",
    "envelope.headers": b"not json\n",
    "items.0.headers": b'{}\n{"type": "event"\n{}',
    "items.0.headers.type": b'{}\n{"length": 2}\n{}',
    "items.0.headers.length": b'{}\n{"type": "event", "length": 100}\n{}',
    "items.1.headers.length": b'{}\n{"type": "session", "length": 2}\n{}\n{"type": "event", "length": 1}\n{}',
    "items.2.headers.length": b'{}\n{"type":"a"}\n{}\n{"type":"b"}\n{}\n{"type": "event", "length": "2"}\n{}',
    "items.0": b'{}\n{"type": "event"}\n[1, 2]',
    "envelope.headers.event_id": b'{"event_id": "nope"}\n{"type": "event"}\n{}',
    "items.0.timestamp": b'{}\n{"type": "event"}\n{"timestamp": "yesterday"}',
    "items.0.fingerprint": b'{}\n{"type": "event"}\n{"fingerprint": "one"}',
    "items.0.exception": b'{}\n{"type": "event"}\n{"exception": "boom"}',
    "items.0.exception.values.0": b'{}\n{"type": "event"}\n{"exception": {"values": ["boom"]}}',
    "items.0.exception.values.0.stacktrace.frames": (
        b'{}\n{"type": "event"}\n{"exception": {"values": [{"type": "E", "stacktrace": {"frames": 3}}]}}'
    ),
    "items": b'{}\n{"type": "event"}\n{}\n{"type": "event"}\n{}',
}


def test_bad_envelopes_get_400_naming_the_problem(client, project, key):
    for field, body in BAD_ENVELOPES.items():
        response = post_envelope(client, project, body, key=key)
        assert response.status_code == 400, (field, response.content)
        assert response.json()["field"] == field, response.json()
        assert response.json()["detail"].startswith(field)
    assert Event.objects.count() == 0


def test_bodies_errorhub_cannot_read(client, project, key, settings):
    body = envelope_of(event_item(EVENT))
    zstd = post_envelope(client, project, body, key=key, HTTP_CONTENT_ENCODING="zstd")
    assert zstd.status_code == 415
    assert "gzip" in zstd.json()["detail"]
    assert post_envelope(client, project, b"not gzip", key=key, HTTP_CONTENT_ENCODING="gzip").status_code == 400
    assert post_envelope(client, project, b"not brotli", key=key, HTTP_CONTENT_ENCODING="br").status_code == 400
    deep = {"event_id": "b" * 32}
    for _ in range(150):
        deep = {"extra": deep}
    too_deep = post_envelope(client, project, envelope_of(event_item(deep)), key=key)
    assert too_deep.status_code == 400
    assert "Nested deeper" in too_deep.json()["detail"]
    settings.ERRORHUB_MAX_BODY_BYTES = 1000
    big = dict(EVENT, extra={"blob": "x" * 2000})
    too_big = post_envelope(client, project, gzip.compress(envelope_of(event_item(big))), key=key,
                            HTTP_CONTENT_ENCODING="gzip")  # fmt: skip
    assert too_big.status_code == 413
    assert "larger than 1000 bytes" in too_big.json()["detail"]


ODD_VALUES = [None, True, 0, -1, 1e300, "", "x", [], {}, [None], [[1, 2]], {"values": None}, "\x00"]
EVENT_FIELDS = [
    "event_id", "timestamp", "level", "platform", "message", "logentry", "exception", "culprit", "transaction",
    "user", "environment", "release", "tags", "fingerprint", "request", "contexts", "breadcrumbs", "extra", "sdk",
]  # fmt: skip


def test_no_field_of_any_type_makes_a_500(client, project, key):
    for name in EVENT_FIELDS:
        for value in ODD_VALUES:
            event = {"exception": {"values": [{"type": "E", "value": "v", name: value}]}, name: value}
            response = post_envelope(client, project, envelope_of(event_item(event)), key=key)
            assert response.status_code in (200, 400), (name, value, response.content)
            if response.status_code == 400:
                assert response.json()["field"].startswith("items.0"), (name, value)


def test_message_and_log_events_take_their_culprit_from_the_transaction_else_the_logger(client, owner, project, key):
    logged = {"event_id": "1" * 32, "message": "nightly export failed", "logger": "billing.jobs", "level": "error"}
    routed = {"event_id": "2" * 32, "message": "slow checkout", "logger": "web", "transaction": "/checkout"}
    for event in (logged, routed):
        assert post_envelope(client, project, envelope_of(event_item(event)), key=key).status_code == 200

    issues = {i["title"]: i for i in owner.get(f"/api/v1/issues/?project={project['id']}").json()["results"]}
    assert issues["nightly export failed"]["culprit"] == "billing.jobs"
    assert issues["slow checkout"]["culprit"] == "/checkout"
