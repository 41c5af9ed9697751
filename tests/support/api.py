"""Plain helpers that talk to errorhub the way its clients do: over HTTP with a token."""

import json

import requests
from django.test import Client

from tests.support.worker import wait_until


def as_json(body):
    """Objects are encoded; strings and bytes are sent as they are (to send broken JSON)."""
    return body if isinstance(body, (str, bytes)) else json.dumps(body)


def post_json(client, url, body, **headers):
    return client.post(url, as_json(body), content_type="application/json", **headers)


def patch_json(client, url, body, **headers):
    return client.patch(url, as_json(body), content_type="application/json", **headers)


def create_app(user_client, name="My Web App", type="web"):
    """A HealthGuard app (an errorhub project) owned by the client's user; returns its appKey."""
    response = post_json(user_client, "/api/apps", {"name": name, "type": type})
    assert response.status_code == 201, response.content
    return response.json()["app"]["appKey"]


def register(client, email="owner@example.com", password="correct-horse"):
    response = post_json(client, "/api/auth/register", {"email": email, "password": password})
    assert response.status_code == 201, response.content
    return response.json()["token"]


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


class TokenClient(Client):
    """A test client that sends one user's Bearer token with every request."""

    def __init__(self, token, **defaults):
        super().__init__(**defaults, **bearer(token))
        self.token = token


class ServerApi:
    """The native API of a running server (tests.support.server) with one user's token."""

    def __init__(self, server, token):
        self.server, self.headers = server, {"Authorization": f"Bearer {token}"}

    def get(self, path):
        response = requests.get(f"{self.server}/api/v1/{path}", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def new_project(self, name, platform):
        response = requests.post(
            f"{self.server}/api/v1/projects/", json={"name": name, "platform": platform}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        return response.json()

    def project_issues(self, project):
        return self.get(f"issues/?project={project['id']}")["results"]

    def issues(self, project, count):
        """The project's issues by title, once `count` exist (the PostgreSQL leg's worker digests)."""
        found = wait_until(lambda: len(issues := self.project_issues(project)) >= count and issues)
        assert found, f"expected {count} issues"
        return {issue["title"]: issue for issue in found}

    def issues_counting(self, project, events):
        """The project's issues once they count `events` events in all."""

        def counted():
            issues = self.project_issues(project)
            return sum(issue["event_count"] for issue in issues) == events and issues

        found = wait_until(counted)
        assert found, f"expected {events} events"
        return found

    def event_of(self, issue):
        [event] = self.get(f"events/?issue={issue['id']}")["results"]
        return event
