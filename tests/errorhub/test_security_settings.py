"""Production hardening comes from the environment: HTTPS redirects, HSTS and secure cookies
behind a TLS-terminating proxy, and no start with a guessable SECRET_KEY."""

import os
import subprocess
import sys

import requests

from tests.support.server import ROOT, start_gunicorn, stop


def start_django(tmp_path, **env):
    """`manage.py check` in production mode (DATABASE_URL set, DEBUG off) with `env`."""
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/errorhub.sqlite3", "DEBUG": "false", **env}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def test_a_short_production_secret_key_refuses_to_start(tmp_path):
    refused = start_django(tmp_path, SECRET_KEY="abc")

    assert refused.returncode != 0
    assert "SECRET_KEY must be at least 32 characters" in refused.stderr

    assert start_django(tmp_path, SECRET_KEY="k" * 31).returncode != 0
    started = start_django(tmp_path, SECRET_KEY="a-long-random-production-secret-key-0123456789")
    assert started.returncode == 0, started.stderr


def test_https_settings_behind_a_proxy(tmp_path, transactional_db):
    process, url = start_gunicorn(
        tmp_path / "gunicorn.log",
        extra_env={
            "ERRORHUB_BASE_URL": "https://errors.example.com",
            "SECURE_SSL_REDIRECT": "true",
            "SECURE_HSTS_SECONDS": "31536000",
            "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        },
    )
    try:
        plain = requests.get(f"{url}/admin/login/", allow_redirects=False, timeout=10)
        proxied = requests.get(f"{url}/admin/login/", headers={"X-Forwarded-Proto": "https"}, timeout=10)
        health = requests.get(f"{url}/health", allow_redirects=False, timeout=10)
    finally:
        stop(process)

    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")
    assert proxied.status_code == 200
    assert proxied.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "secure" in proxied.headers["Set-Cookie"].lower()
    # Load balancers probe over plain HTTP.
    assert health.status_code == 200


def test_cookies_are_not_secure_on_a_plain_http_install(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert not response.cookies["csrftoken"]["secure"]
