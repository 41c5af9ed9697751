"""A HealthGuard SDK reports batches; its owner reads issues and the overview with a token."""

import json

import pytest

from accounts.models import Project
from issues.models import Event, Issue, IssueActivity
from tests.support.api import create_app, post_json
from tests.support.healthguard import event, seed_batch

pytestmark = pytest.mark.django_db


def test_seed_batch_is_accepted_and_creates_its_project(client):
    response = post_json(client, "/api/events/batch", seed_batch())

    assert response.status_code == 202
    assert response.json() == {"accepted": 1}
    project = Project.objects.get(app_key="web_abc123")
    issue = Issue.objects.get(project=project)
    assert (issue.fingerprint, issue.event_count, issue.source) == ("js:abc123", 1, "healthguard")


def test_owner_sees_the_issue_and_a_stranger_does_not(client, owner, stranger):
    app_key = create_app(owner)

    assert post_json(client, "/api/events/batch", seed_batch(app_key)).status_code == 202

    issues = owner.get("/api/issues").json()["issues"]
    assert [(i["id"], i["eventCount"], i["message"]) for i in issues] == [
        (f"{app_key}:js:abc123", 1, "Cannot read property 'foo' of undefined")
    ]
    detail = owner.get(f"/api/issues/{app_key}:js:abc123")
    assert detail.status_code == 200
    assert detail.json()["events"][0]["eventId"] == "evt_xxx"
    assert owner.get(f"/api/issues/{app_key}%3Ajs%3Aabc123").status_code == 200

    assert stranger.get("/api/issues").json() == {"issues": []}
    assert stranger.get(f"/api/issues?appKey={app_key}").json() == {"issues": []}
    assert stranger.get(f"/api/issues/{app_key}:js:abc123").status_code == 404
    assert stranger.get("/api/overview").json()["totals"]["events"] == 0


def test_queries_need_a_token(client):
    for url in ("/api/issues", "/api/overview", "/api/issues/web_abc123:js:abc123", "/api/apps", "/api/auth/me"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.json() == {"message": "Unauthorized"}


def test_a_repeated_event_id_is_accepted_and_counted_once(client, owner):
    app_key = create_app(owner)
    for _ in range(3):
        assert post_json(client, "/api/events/batch", seed_batch(app_key)).json() == {"accepted": 1}

    assert owner.get("/api/issues").json()["issues"][0]["eventCount"] == 1
    assert Event.objects.filter(project__app_key=app_key).count() == 1


def test_failed_requests_are_grouped_by_a_server_side_fingerprint(client, owner):
    app_key = create_app(owner)
    batch = seed_batch(app_key)
    http = dict(
        type="http", method="GET", duration=12, success=False, status=500, fingerprint="client-value",
        errorType=None, message=None, stack=None, breadcrumbs=None,
    )  # fmt: skip
    batch["events"] = [
        event(batch, eventId="h1", url="https://shop.example/api/cart?id=1", **http),
        event(batch, eventId="h2", url="https://shop.example/api/cart?id=2", **http),
        event(batch, eventId="ok", url="https://shop.example/api/cart", **{**http, "success": True}),
        event(
            batch, eventId="p1", type="performance", name="LCP", value=1200, **{k: None for k in http if k != "type"}
        ),
    ]

    assert post_json(client, "/api/events/batch", batch).json() == {"accepted": 4}

    issues = owner.get("/api/issues").json()["issues"]
    assert len(issues) == 1
    # "http|GET|/api/cart|500|web" hashed by the SDK's own JavaScript, run in node:
    # function h(s){let h=5381;for(let i=0;i<s.length;i++)h=(h*33)^s.charCodeAt(i);return (h>>>0).toString(36)}
    assert issues[0]["fingerprint"] == "http:1d7rh02"
    assert (issues[0]["message"], issues[0]["errorType"], issues[0]["eventCount"]) == ("GET /api/cart", "http", 2)
    totals = owner.get("/api/overview").json()["totals"]
    assert totals == {"events": 4, "errors": 0, "failedRequests": 2, "affectedUsers": 1, "issues": 1}


def test_overview_counts_events_users_and_issues(client, owner):
    app_key = create_app(owner)
    batch = seed_batch(app_key)
    batch["events"] = [
        event(batch, eventId="e1", userId="alice"),
        event(batch, eventId="e2", userId="bob", fingerprint="js:other", message="other", platform="flutter"),
        event(batch, eventId="e3"),
    ]
    post_json(client, "/api/events/batch", batch)

    assert owner.get(f"/api/overview?appKey={app_key}").json() == {
        "totals": {"events": 3, "errors": 3, "failedRequests": 0, "affectedUsers": 3, "issues": 2}
    }
    assert owner.get("/api/overview?platform=flutter").json()["totals"]["issues"] == 1
    assert owner.get("/api/overview?start=1716192000001").json()["totals"]["events"] == 0
    bad = owner.get("/api/overview?start=20&end=10")
    assert bad.status_code == 400
    assert bad.json()["message"] == "Invalid time range"
    assert owner.get("/api/issues?start=soon").status_code == 400


def test_a_resolved_issue_that_happens_again_regresses(client, owner):
    app_key = create_app(owner)
    batch = seed_batch(app_key)
    post_json(client, "/api/events/batch", batch)
    issue = Issue.objects.get()
    resolved = owner.patch(f"/api/v1/issues/{issue.id}/", {"status": "resolved"}, content_type="application/json")
    assert resolved.status_code == 200, resolved.content

    batch["events"][0]["eventId"] = "evt_again"
    post_json(client, "/api/events/batch", batch)

    issue.refresh_from_db()
    assert (issue.status, issue.event_count) == ("unresolved", 2)
    kinds = list(issue.activities.order_by("id").values_list("kind", flat=True))
    assert kinds == [IssueActivity.Kind.FIRST_SEEN, IssueActivity.Kind.RESOLVED, IssueActivity.Kind.REGRESSED]


BAD_BATCHES = [
    ("not json", "{nope", "body"),
    ("a list", [], "body"),
    ("no appKey", {"events": []}, "appKey"),
    ("no events", lambda b: [], "events"),
    ("51 events", lambda b: [event(b, eventId=f"e{i}") for i in range(51)], "events"),
    ("events not a list", lambda b: "many", "events"),
    ("event not an object", lambda b: ["evt"], "events.0"),
    ("missing eventId", lambda b: [event(b, eventId=None)], "events.0.eventId"),
    ("appKey mismatch", lambda b: [event(b, appKey="other_key")], "events.0.appKey"),
    ("timestamp as text", lambda b: [event(b, timestamp="yesterday")], "events.0.timestamp"),
    ("timestamp beyond any date", lambda b: [event(b, timestamp=1e300)], "events.0.timestamp"),
    ("unknown platform", lambda b: [event(b, platform="amiga")], "events.0.platform"),
    ("unknown type", lambda b: [event(b, type="crash")], "events.0.type"),
    ("error without fingerprint", lambda b: [event(b, fingerprint=None)], "events.0.fingerprint"),
    ("breadcrumbs not a list", lambda b: [event(b, breadcrumbs={})], "events.0.breadcrumbs"),
    ("bad breadcrumb", lambda b: [event(b, breadcrumbs=[{"type": "x"}])], "events.0.breadcrumbs.0.type"),
    ("boolean as number", lambda b: [event(b, lineno=True)], "events.0.lineno"),
    ("second event bad", lambda b: [event(b), event(b, eventId="")], "events.1.eventId"),
    ("eventId longer than its column", lambda b: [event(b, eventId="e" * 201)], "events.0.eventId"),
    # Python's json reads NaN and Infinity; no database column can store them.
    ("NaN", lambda b: [event(b, lineno=float("nan"))], "events.0.lineno"),
    (
        "Infinity in extra data",
        lambda b: [event(b, deviceInfo={"screenWidth": float("inf")})],
        "events.0.deviceInfo.screenWidth",
    ),
]


@pytest.mark.parametrize(("name", "change", "field"), BAD_BATCHES, ids=[b[0] for b in BAD_BATCHES])
def test_bad_batches_are_rejected_whole_naming_the_field(client, name, change, field):
    post_json(client, "/api/events/batch", seed_batch())
    if callable(change):
        body = seed_batch()
        body["events"] = change(body)
    else:
        body = change

    response = post_json(client, "/api/events/batch", body)

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert response.json()["message"]
    # What was accepted before is still there, counted once.
    assert Issue.objects.get().event_count == 1
    assert Event.objects.count() == 1


def test_an_oversize_body_is_refused(client, settings):
    settings.ERRORHUB_MAX_BODY_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = seed_batch()
    body["events"][0]["stack"] = "x" * 4096

    response = post_json(client, "/api/events/batch", body)

    assert response.status_code == 413
    assert "larger than 2048 bytes" in response.json()["message"]
    assert not Event.objects.exists()


def test_gzip_bodies_are_read(client):
    import gzip

    response = client.post(
        "/api/events/batch",
        gzip.compress(json.dumps(seed_batch()).encode()),
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
    )
    assert response.status_code == 202


def test_closed_ingest_accepts_only_known_projects(client, owner, settings):
    settings.ERRORHUB_OPEN_INGEST = False
    app_key = create_app(owner)

    refused = post_json(client, "/api/events/batch", seed_batch())
    accepted = post_json(client, "/api/events/batch", seed_batch(app_key))

    assert refused.status_code == 401
    assert refused.json()["field"] == "appKey"
    assert accepted.status_code == 202
    assert not Project.objects.filter(app_key="web_abc123").exists()


def test_a_project_key_decides_the_project(client, owner):
    app_key = create_app(owner)

    response = post_json(client, "/api/events/batch", seed_batch(), HTTP_X_ERRORHUB_KEY=app_key)
    unknown = post_json(client, "/api/events/batch?key=nope", seed_batch())

    assert response.status_code == 202
    assert Issue.objects.get().project.app_key == app_key
    assert (unknown.status_code, unknown.json()["field"]) == (401, "key")


def test_long_free_text_is_cut_to_its_column_and_a_long_app_key_refused(client):
    batch = seed_batch()
    batch["events"][0].update(userId="u" * 300, release="r" * 300)

    assert post_json(client, "/api/events/batch", batch).status_code == 202
    stored = Event.objects.get()
    assert (len(stored.user), len(stored.release)) == (200, 200)
    long_key = post_json(client, "/api/events/batch", seed_batch("k" * 201))
    assert (long_key.status_code, long_key.json()["field"]) == (400, "appKey")


def test_an_encoding_errorhub_cannot_read_is_a_415(client):
    response = post_json(client, "/api/events/batch", seed_batch(), HTTP_CONTENT_ENCODING="compress")
    assert (response.status_code, response.json()["field"]) == (415, "Content-Encoding")
