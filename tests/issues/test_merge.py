"""Merging duplicate issues and splitting them back, through the native API."""

import pytest

from tests.support.api import create_app, post_json
from tests.support.healthguard import seed_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(send_errors):
    """HealthGuard error events of the given (fingerprint, user) pairs, in one batch."""
    return lambda *events: send_errors(
        *({"fingerprint": fp, "userId": user, "message": f"failure {fp}"} for fp, user in events)
    )


def issues_by_fingerprint(owner):
    return {i["fingerprint"]: i for i in owner.get("/api/v1/issues/").json()["results"]}


def test_merge_moves_counts_and_new_events_land_in_the_target(owner, report):
    report(("js:a", "ada"), ("js:b", "ada"), ("js:b", "grace"), ("js:c", "alan"))
    listed = issues_by_fingerprint(owner)
    target, merged = listed["js:a"], listed["js:b"]

    response = post_json(owner, f"/api/v1/issues/{target['id']}/merge/", {"issues": [merged["id"]]})

    assert response.status_code == 200, response.content
    assert (response.json()["event_count"], response.json()["users_affected"]) == (3, 2)
    assert set(issues_by_fingerprint(owner)) == {"js:a", "js:c"}
    gone = owner.get(f"/api/v1/issues/{merged['id']}/")
    assert gone.status_code == 404
    assert gone.json() == {"detail": f"This issue was merged into issue {target['id']}.", "merged_into": target["id"]}
    events = owner.get(f"/api/v1/events/?issue={target['id']}").json()["results"]
    assert len(events) == 3

    report(("js:b", "barbara"))
    assert owner.get(f"/api/v1/issues/{target['id']}/").json()["event_count"] == 4
    assert owner.get(f"/api/v1/issues/{target['id']}/").json()["users_affected"] == 3
    activity = owner.get(f"/api/v1/issues/{target['id']}/activity/").json()["results"]
    assert activity[0]["kind"] == "merged"
    assert activity[0]["detail"] == {"issues": [merged["id"]], "fingerprints": ["js:b"]}


def test_unmerge_gives_both_issues_their_counts_back(owner, report):
    report(("js:a", "ada"), ("js:a", "alan"), ("js:b", "grace"))
    listed = issues_by_fingerprint(owner)
    target, merged = listed["js:a"], listed["js:b"]
    post_json(owner, f"/api/v1/issues/{target['id']}/merge/", {"issues": [merged["id"]]})
    report(("js:b", "grace"), ("js:b", "barbara"))

    response = post_json(owner, f"/api/v1/issues/{target['id']}/unmerge/", {"fingerprints": ["js:b"]})

    assert response.json() == {"issues": [merged["id"]]}
    listed = issues_by_fingerprint(owner)
    assert (listed["js:a"]["event_count"], listed["js:a"]["users_affected"]) == (2, 2)
    assert (listed["js:b"]["event_count"], listed["js:b"]["users_affected"]) == (3, 2)
    tags = {t["key"]: t for t in owner.get(f"/api/v1/issues/{merged['id']}/tags/").json()}
    assert {v["value"]: v["count"] for v in tags["user"]["top"]} == {"grace": 2, "barbara": 1}
    report(("js:b", "grace"))
    assert owner.get(f"/api/v1/issues/{merged['id']}/").json()["event_count"] == 4


def test_bad_merges_are_a_400_naming_the_field(owner, stranger, report):
    report(("js:a", "ada"), ("js:b", "ada"))
    listed = issues_by_fingerprint(owner)
    url = f"/api/v1/issues/{listed['js:a']['id']}"
    other_app = create_app(stranger, "Other")
    batch = seed_batch(other_app)
    post_json(stranger, "/api/events/batch", batch)
    foreign = stranger.get("/api/v1/issues/").json()["results"][0]["id"]

    for body, field in (
        ({"issues": []}, "issues"),
        ({"issues": [foreign]}, "issues"),
        ({}, "issues"),
    ):
        response = post_json(owner, f"{url}/merge/", body)
        assert (response.status_code, list(response.json()["fields"])) == (400, [field]), body
    unmerge = post_json(owner, f"{url}/unmerge/", {"fingerprints": ["js:b"]})
    assert (unmerge.status_code, list(unmerge.json()["fields"])) == (400, ["fingerprints"])
    assert post_json(stranger, f"{url}/merge/", {"issues": [foreign]}).status_code == 404
