"""errorhub served by a real gunicorn process, as users meet it.

Django's test client always sets a Content-Length and never speaks HTTP on a socket; real
SDKs send chunked bodies, keep connections alive and read real headers. Tests that care
use `errorhub_server` (its base URL) with the database the test run set up: the gunicorn
workers connect to the same test database, so the test must commit (transactional_db).
In the PostgreSQL leg the server enqueues digests on Redis and the real worker digests.
"""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url():
    """The URL of the database pytest-django created, for another process."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_gunicorn(log_path, *, extra_env=None, extra_args=()):
    """A gunicorn process serving errorhub on a free port, configured as in production
    (gunicorn.conf.py) but with two workers; returns (process, base URL)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": test_database_url(), "SECRET_KEY": settings.SECRET_KEY}
    env["ERRORHUB_DATA_DIR"] = str(settings.DATA_DIR)
    if settings.CELERY_BROKER_URL:
        env["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL
    env.update(extra_env or {})
    command = [
        sys.executable, "-m", "gunicorn", "errorhub.wsgi", "--config", "gunicorn.conf.py",
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--access-logfile", "-", *extra_args,
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    return serve(command, env, log_path, probe=f"{url}/health"), url


def serve(command, env, log_path, *, probe):
    """Starts `command` (a server) with its output in `log_path`; returns the process once
    `probe` answers 200, or fails the test with the log."""
    out = open(log_path, "w")  # noqa: SIM115  (the process writes it for as long as it runs)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(probe, timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{' '.join(command[2:4])} did not start:\n{Path(log_path).read_text()}", pytrace=False)
        time.sleep(0.2)


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def gunicorn_process(django_db_setup, django_db_blocker, tmp_path_factory):
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    process, url = start_gunicorn(log)
    process.log_path = log
    process.url = url
    yield process
    stop(process)


@contextmanager
def serving(request, process):
    """One test's use of a gunicorn process (needs transactional_db): its base URL, with the
    real worker digesting in the PostgreSQL leg (without a broker, gunicorn's own thread does)."""
    if settings.CELERY_BROKER_URL:
        request.getfixturevalue("celery_worker")
    yield process.url
    # The test database is flushed next; a digest still running would deadlock with it.
    from ingest.selectors import digest_pending
    from tests.support.worker import wait_until

    wait_until(lambda: not digest_pending(), timeout=20)


def signed_up(base_url, email, project_names=("web",)):
    """A user registered over HTTP and native-API projects of theirs: (auth headers, projects)."""
    registered = requests.post(f"{base_url}/api/auth/register", json={"email": email, "password": "a-long-password"})
    headers = {"Authorization": f"Bearer {registered.json()['token']}"}
    projects = [
        requests.post(f"{base_url}/api/v1/projects/", json={"name": name}, headers=headers).json()
        for name in project_names
    ]
    return headers, projects


def sentry_ingest_url(base_url, project, endpoint="store", sentry_key=None):
    """The project's Sentry `store` or `envelope` URL, authenticated by its DSN key as SDKs do."""
    key = project["dsn"].split("//", 1)[1].split("@", 1)[0] if sentry_key is None else sentry_key
    return f"{base_url}/api/{project['id']}/{endpoint}/?sentry_key={key}"


@pytest.fixture
def errorhub_server(request, gunicorn_process, transactional_db):
    """Base URL of the gunicorn-served errorhub; in the PostgreSQL leg the real worker digests."""
    with serving(request, gunicorn_process) as url:
        yield url
