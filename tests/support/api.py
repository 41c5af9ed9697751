"""Plain helpers that talk to errorhub the way its clients do: over HTTP with a token."""

import json

from django.test import Client


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
