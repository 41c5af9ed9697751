"""Project members manage their issue alert rules through /api/v1/alert-rules/."""

import pytest

from accounts.models import User
from accounts.tokens import issue_token
from tests.support.api import TokenClient, create_app, patch_json, post_json

RULES = "/api/v1/alert-rules/"


@pytest.fixture
def project(owner):
    create_app(owner, name="Shop")
    return owner.get("/api/v1/projects/").json()["results"][0]


def rule_body(of_project, **changes):
    return {
        "project": of_project["id"],
        "name": "Checkout alerts",
        "triggers": ["new_issue", "regression", {"kind": "spike", "count": 100, "minutes": 5}],
        "environment": "production",
        "min_level": "error",
        "targets": [
            {"kind": "email", "to": ["oncall@example.com", " dev@example.com "]},
            {"kind": "slack", "url": "http://127.0.0.1:9/services/T0/B0/xyz", "channel": "shop"},
            {"kind": "webhook", "url": "http://127.0.0.1:9/hook"},
        ],
        **changes,
    }


def test_a_member_creates_a_rule_and_sees_its_secret_only_once(owner, project):
    created = post_json(owner, RULES, rule_body(project))
    assert created.status_code == 201, created.content
    rule = created.json()
    assert len(rule["secret"]) == 64
    assert rule["triggers"] == ["new_issue", "regression", {"kind": "spike", "count": 100, "minutes": 5}]
    assert (rule["environment"], rule["min_level"], rule["source"], rule["cooldown_minutes"]) == (
        "production", "error", "", 30,
    )  # fmt: skip
    assert [
        {key: target[key] for key in target if key not in ("id", "last_failure_at", "last_success_at")}
        for target in rule["targets"]
    ] == [
        {"kind": "email", "to": ["oncall@example.com", "dev@example.com"], "failing": False, "last_error": ""},
        # A Slack incoming webhook URL is a credential: shown without its path.
        {"kind": "slack", "url": "http://127.0.0.1:9/…", "channel": "#shop", "failing": False, "last_error": ""},
        {"kind": "webhook", "url": "http://127.0.0.1:9/hook", "failing": False, "last_error": ""},
    ]

    shown = owner.get(f"{RULES}{rule['id']}/").json()
    assert "secret" not in shown and shown["name"] == "Checkout alerts"
    assert [r["id"] for r in owner.get(RULES).json()["results"]] == [rule["id"]]
    assert owner.get(RULES, {"project": project["id"]}).json()["count"] == 1


def test_patch_changes_only_what_it_gives_and_delete_removes(owner, project):
    rule = post_json(owner, RULES, rule_body(project)).json()

    changed = patch_json(owner, f"{RULES}{rule['id']}/", {"name": "Renamed", "cooldown_minutes": 0})
    assert changed.status_code == 200, changed.content
    assert changed.json()["name"] == "Renamed" and changed.json()["cooldown_minutes"] == 0
    assert changed.json()["triggers"] == rule["triggers"]
    assert [t["id"] for t in changed.json()["targets"]] == [t["id"] for t in rule["targets"]]

    retargeted = patch_json(owner, f"{RULES}{rule['id']}/", {"targets": [{"kind": "email", "to": ["a@example.com"]}]})
    assert [t["to"] for t in retargeted.json()["targets"]] == [["a@example.com"]]
    moved = patch_json(owner, f"{RULES}{rule['id']}/", {"project": project["id"] + 1})
    assert moved.status_code == 400 and "project" in moved.json()["fields"]

    assert owner.delete(f"{RULES}{rule['id']}/").status_code == 204
    assert owner.get(f"{RULES}{rule['id']}/").status_code == 404


def test_only_members_and_superusers_see_or_change_a_projects_rules(owner, stranger, project):
    rule = post_json(owner, RULES, rule_body(project)).json()
    url = f"{RULES}{rule['id']}/"

    assert stranger.get(RULES).json()["count"] == 0
    assert stranger.get(url).status_code == 404
    assert patch_json(stranger, url, {"name": "mine now"}).status_code == 404
    assert stranger.delete(url).status_code == 404
    assert stranger.get(f"{url}deliveries/").status_code == 404
    assert stranger.post(f"{url}test/").status_code == 404
    refused = post_json(stranger, RULES, rule_body(project))
    assert refused.status_code == 400 and refused.json()["fields"] == {"project": ["no such project among yours"]}

    admin = TokenClient(issue_token(User.objects.create_superuser("root@example.com", "correct-horse")))
    assert admin.get(url).status_code == 200
    assert owner.get(url).json()["name"] == "Checkout alerts"
    assert TokenClient("not-a-token").get(RULES).status_code == 401


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"triggers": []}, "triggers"),
        ({"triggers": ["new_issues"]}, "triggers[0]"),
        ({"triggers": [{"kind": "spike", "count": 10}]}, "triggers[0].minutes"),
        ({"triggers": [{"kind": "spike", "count": 10, "minutes": 0}]}, "triggers[0].minutes"),
        ({"triggers": [{"kind": "spike", "count": 10, "minutes": 100000}]}, "triggers[0].minutes"),
        ({"triggers": [{"kind": "spike", "count": "10", "minutes": 5}]}, "triggers[0].count"),
        ({"triggers": [{"kind": "spike", "count": True, "minutes": 5}]}, "triggers[0].count"),
        ({"triggers": [{"kind": "spike", "count": 1, "minutes": 5, "every": 1}]}, "triggers[0].every"),
        ({"targets": []}, "targets"),
        ({"targets": [{"kind": "pager", "to": ["a@example.com"]}]}, "targets[0].kind"),
        ({"targets": [{"kind": "email", "to": ["not-an-address"]}]}, "targets[0].to"),
        ({"targets": [{"kind": "email", "to": "a@example.com"}]}, "targets[0].to"),
        ({"targets": [{"kind": "webhook", "url": "ftp://example.com/hook"}]}, "targets[0].url"),
        ({"targets": [{"kind": "webhook", "url": "http:///nohost"}]}, "targets[0].url"),
        ({"targets": [{"kind": "webhook"}]}, "targets[0].url"),
        ({"targets": [{"kind": "webhook", "url": "http://127.0.0.1:99999/"}]}, "targets[0].url"),
        ({"targets": [{"kind": "slack", "url": "http://127.0.0.1:9/x", "channel": "two words"}]}, "targets[0].channel"),
        ({"targets": [{"kind": "webhook", "url": "http://127.0.0.1:9/", "secret": "x"}]}, "targets[0].secret"),
        ({"cooldown_minutes": -1}, "cooldown_minutes"),
        ({"cooldown_minutes": 1.5}, "cooldown_minutes"),
        ({"min_level": "critical"}, "min_level"),
        ({"source": "carrier-pigeon"}, "source"),
        ({"environment": 7}, "environment"),
        ({"trigger": ["new_issue"]}, "trigger"),
        ({"project": "Shop"}, "project"),
    ],
)
def test_bad_values_are_a_400_naming_the_field(owner, project, changes, field):
    response = post_json(owner, RULES, rule_body(project, **changes))

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "Invalid input." and list(body["fields"]) == [field]
    assert field.split(".")[-1].split("[")[0] in body["fields"][field][0]


def test_a_body_that_is_not_an_object_is_a_400(owner, project):
    response = post_json(owner, RULES, ["new_issue"])
    assert response.status_code == 400 and list(response.json()["fields"]) == ["body"]
    assert post_json(owner, RULES, "{not json").status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/admin/",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_targets_inside_the_network_are_refused_unless_allowed(owner, project, settings, url):
    settings.ERRORHUB_ALLOW_PRIVATE_TARGETS = False
    body = rule_body(project, targets=[{"kind": "webhook", "url": url}])

    refused = post_json(owner, RULES, body)
    assert refused.status_code == 400
    message = refused.json()["fields"]["targets[0].url"][0]
    assert "loopback, private or link-local" in message and "ERRORHUB_ALLOW_PRIVATE_TARGETS" in message
    slack = post_json(owner, RULES, rule_body(project, targets=[{"kind": "slack", "url": url}]))
    assert list(slack.json()["fields"]) == ["targets[0].url"]

    settings.ERRORHUB_ALLOW_PRIVATE_TARGETS = True
    assert post_json(owner, RULES, body).status_code == 201


def test_listing_rules_takes_a_bounded_number_of_queries(owner, project, django_assert_max_num_queries):
    for number in range(5):
        post_json(owner, RULES, rule_body(project, name=f"rule {number}"))
    with django_assert_max_num_queries(6):
        assert owner.get(RULES).json()["count"] == 5
