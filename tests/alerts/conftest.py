import os

import pytest

from accounts.models import User
from accounts.tokens import issue_token
from tests.support.alert_receivers import start_http_receiver, start_smtp_server
from tests.support.api import TokenClient
from tests.support.server import free_port

SMTP_PORT = free_port()
# What the tests' errorhub processes (gunicorn, the Celery worker) read at start: the local
# receivers are private addresses, retries and burst windows are short, mail goes to our SMTP.
# Nothing here may change what other tests see of those session-wide processes: no
# ERRORHUB_BASE_URL (project DSNs and client settings are built from it), so alert links use
# the documented default.
RECEIVER_ENVIRONMENT = {
    "ERRORHUB_ALLOW_PRIVATE_TARGETS": "true",
    "ERRORHUB_ALERT_RETRY_BACKOFF_SECONDS": "0.05",
    "ERRORHUB_ALERT_MAX_ATTEMPTS": "3",
    "ERRORHUB_ALERT_BURST_SECONDS": "6",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_PORT": str(SMTP_PORT),
    "DEFAULT_FROM_EMAIL": "alerts@errorhub.example",
}
# Collected before any test starts those processes, so they inherit it.
os.environ.update(RECEIVER_ENVIRONMENT)


@pytest.fixture(autouse=True)
def receiver_settings(settings):
    """The same settings for work done in the test process itself (eager tasks)."""
    settings.ERRORHUB_ALLOW_PRIVATE_TARGETS = True
    settings.ERRORHUB_ALERT_RETRY_BACKOFF_SECONDS = 0.05
    settings.ERRORHUB_ALERT_MAX_ATTEMPTS = 3
    settings.ERRORHUB_ALERT_BURST_SECONDS = 6
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", SMTP_PORT
    settings.DEFAULT_FROM_EMAIL = "alerts@errorhub.example"


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


@pytest.fixture(scope="session")
def smtp_server():
    controller, mailbox = start_smtp_server(SMTP_PORT)
    yield mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    """The mail our SMTP server received during this test."""
    smtp_server.messages.clear()
    yield smtp_server
    smtp_server.messages.clear()


@pytest.fixture
def slack():
    receiver = start_http_receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def webhook():
    receiver = start_http_receiver()
    receiver.answer = b'{"received": true}'
    yield receiver
    receiver.stop()
