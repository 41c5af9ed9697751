"""Outgoing mail is configured from the environment: EMAIL_URL, or EMAIL_HOST and its fields;
with neither, a laptop prints mail to the log (Django's console backend)."""

import pytest

from errorhub.settings import email_settings

EMAIL_VARIABLES = ("EMAIL_URL", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS")
SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"


@pytest.fixture
def environment(monkeypatch):
    for name in EMAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", (SMTP, "mail.example.com", 25, "", "", False, False)),
        (
            "smtp+tls://alerts%40example.com:s%2Fcret@mail.example.com",
            (SMTP, "mail.example.com", 587, "alerts@example.com", "s/cret", True, False),
        ),
        ("smtps://u:p@mail.example.com:2465", (SMTP, "mail.example.com", 2465, "u", "p", False, True)),
        ("console://", (CONSOLE, "localhost", 25, "", "", False, False)),
    ],
)  # fmt: skip
def test_email_url_sets_every_field(environment, url, expected):
    environment.setenv("EMAIL_URL", url)
    environment.setenv("EMAIL_HOST", "ignored.example.com")
    assert email_settings() == expected


def test_email_host_and_its_fields(environment):
    for name, value in [("EMAIL_HOST", "smtp.example.com"), ("EMAIL_PORT", "587"), ("EMAIL_HOST_USER", "u"),
                        ("EMAIL_HOST_PASSWORD", "p"), ("EMAIL_USE_TLS", "true")]:  # fmt: skip
        environment.setenv(name, value)
    assert email_settings() == (SMTP, "smtp.example.com", 587, "u", "p", True, False)


def test_without_mail_settings_mail_goes_to_the_console(environment):
    assert email_settings()[0] == CONSOLE


def test_an_unknown_email_url_scheme_stops_the_start(environment):
    environment.setenv("EMAIL_URL", "sendmail:///usr/sbin/sendmail")
    with pytest.raises(RuntimeError, match="EMAIL_URL scheme"):
        email_settings()
