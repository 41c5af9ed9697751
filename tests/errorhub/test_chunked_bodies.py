"""Bodies sent with Transfer-Encoding: chunked (@sentry/node, proxies, HTTP/2 front ends) are
read like any other, through the real gunicorn server: Django's test client cannot send them."""

import gzip
import json

import pytest
import requests
from django.conf import settings

from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db(transaction=True)


def chunks(data, size=7):
    """A generator body: requests sends it chunked, with no Content-Length."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_a_chunked_registration_is_read_whole(errorhub_server):
    body = json.dumps({"email": "chunky@example.com", "password": "a-long-password"}).encode()
    response = requests.post(
        f"{errorhub_server}/api/auth/register", data=chunks(body), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["token"]


def test_a_chunked_gzip_eventsum_capture_is_stored(errorhub_server):
    capture = load_fixture("eventsum_capture.json")
    response = requests.post(
        f"{errorhub_server}/capture",
        data=chunks(gzip.compress(json.dumps(capture).encode())),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 200, response.text


def test_a_chunked_body_over_the_limit_is_a_413(errorhub_server):
    too_big = b"[" + b"1," * settings.ERRORHUB_MAX_BODY_BYTES + b"1]"
    response = requests.post(
        f"{errorhub_server}/api/events/batch", data=chunks(too_big, 65536), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413, response.text
    assert response.json()["field"] == "body"
