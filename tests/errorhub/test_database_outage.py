"""A sick database gets fast, honest answers: while PostgreSQL is unreachable or a statement
waits past DATABASE_STATEMENT_TIMEOUT_SECONDS, every surface answers 503 with Retry-After in
its own error shape (the Sentry ingest routes with the CORS headers browser SDKs need to read
it), and the same gunicorn process serves normally again once the database is back."""

import json
import time
import uuid

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection

from ingest.models import QueuedEvent
from ingest.selectors import digest_pending
from tests.support.server import sentry_ingest_url, signed_up, start_gunicorn, stop
from tests.support.tcp_proxy import TcpProxy
from tests.support.worker import wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def database_proxy():
    db = settings.DATABASES["default"]
    proxy = TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    proxy.up()
    yield proxy
    proxy.down()


@pytest.fixture
def server(celery_worker, database_proxy, tmp_path):
    """errorhub under gunicorn, reaching the test database only through the proxy."""
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER'] or 'postgres'}@127.0.0.1:{database_proxy.port}/{db['NAME']}"
    extra_env = {
        "DATABASE_URL": url,
        "DATABASE_STATEMENT_TIMEOUT_SECONDS": "1",
        "DATABASE_CONNECT_TIMEOUT_SECONDS": "2",
    }
    process, base_url = start_gunicorn(tmp_path / "gunicorn.log", extra_env=extra_env)
    headers, [project] = signed_up(base_url, "sick@example.com")
    yield {"url": base_url, "headers": headers, "project": project}
    stop(process)
    wait_until(lambda: not digest_pending(), timeout=20)


def send_envelope(server):
    event_id = uuid.uuid4().hex
    body = "\n".join(json.dumps(line) for line in ({"event_id": event_id}, {"type": "event"}, {"message": "hi"}))
    url = sentry_ingest_url(server["url"], server["project"], "envelope")
    started = time.monotonic()
    response = requests.post(url, data=body, headers={"Origin": "https://shop.example"}, timeout=30)
    return response, time.monotonic() - started


def assert_unavailable(response, elapsed, shape_key):
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    assert shape_key in response.json()
    assert elapsed < 5, elapsed


def test_a_database_that_is_down_gets_503_with_retry_after_then_recovers(server, database_proxy):
    assert send_envelope(server)[0].status_code == 200

    database_proxy.down()
    response, elapsed = send_envelope(server)
    assert_unavailable(response, elapsed, "detail")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]
    started = time.monotonic()
    batch = requests.post(f"{server['url']}/api/events/batch", json={"appKey": "x", "events": []}, timeout=30)
    assert batch.status_code in (400, 503)  # an invalid batch needs no database
    native = requests.get(f"{server['url']}/api/v1/issues/", headers=server["headers"], timeout=30)
    assert_unavailable(native, time.monotonic() - started, "detail")
    legacy = requests.get(f"{server['url']}/search", headers=server["headers"], timeout=30)
    assert_unavailable(legacy, time.monotonic() - started, "error")

    database_proxy.up()
    assert wait_until(lambda: send_envelope(server)[0].status_code == 200, timeout=15)
    assert requests.get(f"{server['url']}/api/v1/issues/", headers=server["headers"]).status_code == 200


def test_a_statement_past_the_timeout_gets_503_then_the_next_request_is_served(server):
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"] or "postgres", dbname=db["NAME"]
    ) as holder:
        # The table an envelope's one INSERT writes to.
        holder.execute(f"LOCK TABLE {connection.ops.quote_name(QueuedEvent._meta.db_table)} IN ACCESS EXCLUSIVE MODE")
        response, elapsed = send_envelope(server)
        assert_unavailable(response, elapsed, "detail")
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        holder.rollback()

    response, _ = send_envelope(server)
    assert response.status_code == 200, response.text


def test_a_kept_connection_whose_server_side_ended_is_replaced_before_an_envelope_uses_it(celery_worker, tmp_path):
    """A database restart or a failover ends every kept connection; the next request opens a new one."""
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    # One thread, so the second envelope meets the connection the first one left.
    process, base_url = start_gunicorn(
        tmp_path / "gunicorn.log",
        extra_env={"DATABASE_URL": f"{url}?application_name=kept-connection-test"},
        extra_args=("--workers", "1", "--threads", "1"),
    )
    try:
        headers, [project] = signed_up(base_url, "kept@example.com")
        server = {"url": base_url, "headers": headers, "project": project}
        assert send_envelope(server)[0].status_code == 200
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
                ["kept-connection-test"],
            )
            assert cursor.fetchone()[0] >= 1

        response, _ = send_envelope(server)
        assert response.status_code == 200, response.text
    finally:
        stop(process)
    wait_until(lambda: not digest_pending(), timeout=20)
