"""Tokens and keys that clients put in URLs (`?token=`, `?key=`, `?sentry_key=`) never reach
the logs in full: gunicorn's access log (configured by gunicorn.conf.py, as in production) and
Django's own log lines."""

import io
import logging

import requests

from tests.support.server import start_gunicorn, stop


def test_query_secrets_are_masked_in_the_access_log(tmp_path, transactional_db):
    log_path = tmp_path / "gunicorn.log"
    process, url = start_gunicorn(log_path)
    try:
        requests.get(f"{url}/-/errors?project=shop&token=session_SECRET-ONE", timeout=10)
        requests.post(f"{url}/api/1/envelope/?sentry_version=7&sentry_key=SECRET-TWO", data=b"{}", timeout=10)
        requests.post(f"{url}/capture?key=SECRET-THREE", json={}, timeout=10)
        requests.get(f"{url}/health", headers={"Referer": f"{url}/search?token=SECRET-FOUR"}, timeout=10)
    finally:
        stop(process)

    log = log_path.read_text()
    assert "SECRET" not in log
    assert '"GET /-/errors?project=shop&token=******** HTTP/1.1" 401' in log
    assert '"POST /api/1/envelope/?sentry_version=7&sentry_key=******** HTTP/1.1"' in log
    assert '"POST /capture?key=******** HTTP/1.1"' in log
    assert f'"{url}/search?token=********"' in log


def test_query_secrets_are_masked_in_django_log_lines():
    """What LOGGING's console handler writes (the stream it writes to is swapped for a buffer)."""
    [console] = [handler for handler in logging.getLogger().handlers if handler.name == "console"]
    written = io.StringIO()
    stream = console.setStream(written)
    try:
        logging.getLogger("errorhub").warning("could not read %s", "/-/errors?token=session_SECRET&project=shop")
    finally:
        console.setStream(stream)

    assert written.getvalue() == "could not read /-/errors?token=********&project=shop\n"
