"""Per-issue tag counts, users affected and the list's Sentry-style search, fed by real ingest:
Sentry envelopes (tags, contexts, user) and HealthGuard batches."""

import json
import uuid

import pytest

from tests.support.api import create_app, patch_json, post_json
from tests.support.healthguard import errors_batch
from tests.support.sentry import create_project

pytestmark = pytest.mark.django_db


def sentry_event(value, **fields):
    return {
        "event_id": uuid.uuid4().hex,
        "platform": "javascript",
        "level": "error",
        "exception": {"values": [{"type": "TypeError", "value": value}]},
        **fields,
    }


@pytest.fixture
def send(client, owner):
    project = create_project(owner)
    key = project["dsn"].split("//", 1)[1].split("@", 1)[0]

    def post(*events):
        """One envelope per event, as SDKs send them."""
        for item in events:
            payload = json.dumps(item).encode()
            header = json.dumps({"type": "event", "length": len(payload)}).encode()
            response = client.post(
                f"/api/{project['id']}/envelope/?sentry_key={key}",
                b"\n".join([b"{}", header, payload]) + b"\n",
                content_type="application/x-sentry-envelope",
            )
            assert response.status_code == 200, response.content

    return post


def chrome(version="120"):
    return {"browser": {"name": "Chrome", "version": version}, "os": {"name": "Windows", "version": "11"}}


def listed(owner, query):
    response = owner.get("/api/v1/issues/", {"query": query})
    assert response.status_code == 200, (query, response.content)
    return sorted(issue["title"] for issue in response.json()["results"])


def test_tag_breakdown_counts_every_kind_of_tag(owner, send):
    send(
        sentry_event("cart", tags={"shop": "eu"}, environment="production", release="1.0", contexts=chrome(),
                     user={"id": "42", "email": "ada@example.com"}),
        sentry_event("cart", tags={"shop": "eu"}, environment="production", release="1.1", contexts=chrome("121"),
                     user={"id": "43"}),
        sentry_event("cart", tags={"shop": "us"}, environment="staging", release="1.1",
                     user={"ip_address": "10.0.0.1"}),
    )  # fmt: skip
    [issue] = owner.get("/api/v1/issues/").json()["results"]
    assert issue["users_affected"] == 3

    tags = {tag["key"]: tag for tag in owner.get(f"/api/v1/issues/{issue['id']}/tags/").json()}

    def top(key):
        return [(value["value"], value["count"]) for value in tags[key]["top"]]

    assert top("shop") == [("eu", 2), ("us", 1)]
    assert top("environment") == [("production", 2), ("staging", 1)]
    assert top("release") == [("1.1", 2), ("1.0", 1)]
    assert top("level") == [("error", 3)]
    assert top("platform") == [("javascript", 3)]
    assert top("user") == [("10.0.0.1", 1), ("42", 1), ("43", 1)]
    assert top("browser") == [("Chrome 120", 1), ("Chrome 121", 1)]
    assert top("os") == [("Windows 11", 2)]
    assert tags["shop"]["total"] == 3 and tags["browser"]["total"] == 2


def test_tags_keep_the_top_ten_values(owner, send):
    send(
        *(sentry_event("cart", tags={"order": f"o{n:02}"}) for n in range(12)),
        sentry_event("cart", tags={"order": "o11"}),
    )
    [issue] = owner.get("/api/v1/issues/").json()["results"]
    [order] = [t for t in owner.get(f"/api/v1/issues/{issue['id']}/tags/").json() if t["key"] == "order"]
    assert order["total"] == 13
    assert len(order["top"]) == 10
    assert order["top"][0] == {"value": "o11", "count": 2}


def test_every_search_token(client, owner, send):
    send(
        sentry_event("checkout failed", tags={"shop": "eu"}, environment="production", release="1.0",
                     user={"id": "1", "email": "ada@example.com"}, culprit="cart.js in total"),
        sentry_event("login broken", level="warning", tags={"shop": "north america"}, environment="staging",
                     release="2.0"),
        sentry_event("search slow", level="info", message="timeout talking to the index"),
    )  # fmt: skip
    app_key = create_app(owner, "Web")
    assert post_json(client, "/api/events/batch", errors_batch(app_key, {})).status_code == 202
    titles = {issue["title"]: issue["id"] for issue in owner.get("/api/v1/issues/").json()["results"]}
    checkout, login, search = "TypeError: checkout failed", "TypeError: login broken", "TypeError: search slow"
    healthguard = "Cannot read property 'foo' of undefined"
    patch_json(owner, f"/api/v1/issues/{titles[login]}/", {"status": "resolved"})
    patch_json(owner, f"/api/v1/issues/{titles[search]}/", {"status": "ignored", "assignee": "owner@example.com"})
    me = owner.get(f"/api/v1/issues/{titles[search]}/").json()["assignee"]["id"]

    assert listed(owner, "is:unresolved") == sorted([checkout, healthguard])
    assert listed(owner, "is:resolved") == [login]
    assert listed(owner, "is:ignored") == [search]
    assert listed(owner, "is:assigned") == [search]
    assert listed(owner, "is:unassigned") == sorted([checkout, login, healthguard])
    assert listed(owner, "is:new") == sorted([checkout, healthguard])
    assert listed(owner, "is:ongoing") == []
    assert listed(owner, "assigned:me") == [search]
    assert listed(owner, f"assigned:{me}") == [search]
    assert listed(owner, "assigned:owner@example.com") == [search]
    assert listed(owner, "level:warning") == [login]
    assert listed(owner, "environment:production") == [checkout]
    assert listed(owner, "release:2.0") == [login]
    assert listed(owner, "source:healthguard") == [healthguard]
    assert listed(owner, "user.email:ada@example.com") == [checkout]
    assert listed(owner, "shop:eu") == [checkout]
    assert listed(owner, 'shop:"north america"') == [login]
    assert listed(owner, "!shop:eu is:unresolved") == [healthguard]
    assert listed(owner, "checkout") == [checkout]
    assert listed(owner, "cart.js") == [checkout]  # the culprit
    assert listed(owner, "index") == [search]  # the message
    assert listed(owner, '"talking to the"') == [search]
    assert listed(owner, "TypeError failed") == [checkout]  # every word
    assert listed(owner, "") == sorted(titles)

    for bad, token in (
        ("is:sleeping", "is:sleeping"),
        ("level:loud checkout", "level:loud"),
        ("source:fax", "source:fax"),
        ("assigned:somebody", "assigned:somebody"),
        ("shop:", "shop:"),
        ('shop:"eu', '"eu'),
    ):
        response = owner.get("/api/v1/issues/", {"query": bad})
        assert response.status_code == 400, bad
        assert token in response.json()["fields"]["query"], (bad, response.json())


def test_status_substatus_assignee_filters_and_sorting(owner, send):
    send(*(sentry_event("often") for _ in range(3)), sentry_event("once", user={"id": "1"}))
    titles = {issue["title"]: issue["id"] for issue in owner.get("/api/v1/issues/").json()["results"]}
    often, once = "TypeError: often", "TypeError: once"
    patch_json(owner, f"/api/v1/issues/{titles[once]}/", {"assignee": "owner@example.com"})

    def titles_of(query):
        response = owner.get(f"/api/v1/issues/?{query}")
        assert response.status_code == 200, response.content
        return [issue["title"] for issue in response.json()["results"]]

    assert titles_of("assignee=me") == [once]
    assert titles_of("assignee=none") == [often]
    assert titles_of("substatus=new&sort=count") == [often, once]
    assert titles_of("sort=users") == [once, often]
    assert titles_of("sort=priority") == [often, once]
    assert titles_of("sort=first_seen")[0] in (often, once)
    for bad in ("assignee=someone", "sort=loudest", "substatus=sleepy"):
        response = owner.get(f"/api/v1/issues/?{bad}")
        assert (response.status_code, list(response.json()["fields"])) == (400, [bad.split("=")[0]])
