"""What the issues tests share: a HealthGuard app to report through, and a way to report."""

import pytest

from tests.support.api import create_app, post_json
from tests.support.healthguard import errors_batch


@pytest.fixture
def app_key(owner):
    """The key of a HealthGuard app in the owner's project, as its SDK carries it."""
    return create_app(owner)


@pytest.fixture
def send_errors(client, app_key):
    """Send HealthGuard error events (each a change to the seed event) in one batch, as the SDK does."""

    def send(*changes):
        assert post_json(client, "/api/events/batch", errors_batch(app_key, *changes)).status_code == 202

    return send
