"""Plain helpers that talk to errorhub the way its clients do: over HTTP with a token."""

import json

from django.test import Client


def post_json(client, url, body, **headers):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data, content_type="application/json", **headers)


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
