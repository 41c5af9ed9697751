import pytest

from accounts.models import User
from accounts.tokens import issue_token
from tests.support.api import TokenClient


@pytest.fixture
def fake_kapacitor(fake_kapacitor_server, settings):
    """The session's fake Kapacitor, emptied, and errorhub pointed at it."""
    fake_kapacitor_server.reset()
    settings.KAPACITOR_URL = fake_kapacitor_server.url
    settings.KAPACITOR_TIMEOUT_SECONDS = 2
    yield fake_kapacitor_server
    fake_kapacitor_server.reset()


@pytest.fixture
def operator(db):
    """A superuser's API client: superusers may manage alert tasks."""
    return TokenClient(issue_token(User.objects.create_superuser("ops@example.com", "correct-horse")))
