"""The real sentry-sdk, initialised for one test and closed after it, so nothing leaks between tests."""

from contextlib import contextmanager
from urllib.parse import urlsplit

import sentry_sdk
from sentry_sdk.transport import Transport

from tests.support.api import post_json


def create_project(owner, name="Shop"):
    """A project through the native API; its DSN names the test client's host."""
    response = post_json(owner, "/api/v1/projects/", {"name": name})
    assert response.status_code == 201, response.content
    return response.json()


def dsn_for(project, server_url):
    """The project's DSN with its host replaced by the server's (the test client's host is `testserver`)."""
    dsn = urlsplit(project["dsn"])
    return dsn._replace(netloc=f"{dsn.username}@{urlsplit(server_url).netloc}").geturl()


class RecordingTransport(Transport):
    """Keeps the envelopes the SDK built (serialized, as its HTTP transport would send them)."""

    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope.serialize())


@contextmanager
def sentry_reporting(dsn, **options):
    """sentry_sdk.init() for the block; flushed and closed at its end, even when the test fails.

    No default integrations: they would hook excepthook, logging and threading of the test process.
    """
    options.setdefault("default_integrations", False)
    options.setdefault("auto_enabling_integrations", False)
    sentry_sdk.init(dsn=dsn, **options)
    try:
        yield
    finally:
        sentry_sdk.flush(timeout=10)
        client = sentry_sdk.get_client()
        transport = client.transport
        client.close()
        # The HTTP transport keeps its connections alive; closing them ends the live server's
        # request threads, which would otherwise die noisily when pytest exits.
        pool = getattr(transport, "_pool", None)
        if pool is not None:
            pool.clear()
        sentry_sdk.get_global_scope().set_client(None)


@contextmanager
def recorded_envelopes(dsn, **options):
    """The real SDK with a transport that records envelope bytes instead of sending them."""
    transport = RecordingTransport()
    with sentry_reporting(dsn, transport=transport, **options):
        yield transport.envelopes
