"""WEB_ACCESS_LOG decides what gunicorn's access log keeps: every request by default, or with
`errors` only the refused and failed ones, which is what an install taking bursts of SDK
events reads its log for."""

import subprocess
import sys

import requests

from tests.support.server import ROOT, start_gunicorn, stop


def test_errors_keeps_the_refused_requests_and_leaves_the_served_ones_out(tmp_path, transactional_db):
    log_path = tmp_path / "gunicorn.log"
    process, url = start_gunicorn(log_path, extra_env={"WEB_ACCESS_LOG": "errors"})
    try:
        assert requests.get(f"{url}/health", timeout=10).status_code == 200
        assert requests.post(f"{url}/api/1/envelope/?sentry_key=abc", data=b"not json", timeout=10).status_code == 400
    finally:
        stop(process)

    log = log_path.read_text()
    assert '"POST /api/1/envelope/?sentry_key=******** HTTP/1.1" 400' in log
    assert "GET /health" not in log


def test_an_unknown_value_stops_gunicorn_before_it_serves():
    finished = subprocess.run(
        [sys.executable, "-m", "gunicorn", "errorhub.wsgi", "--config", "gunicorn.conf.py", "--check-config"],
        cwd=ROOT, env={"PATH": "/usr/bin:/bin", "WEB_ACCESS_LOG": "some"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert finished.returncode != 0
    assert "WEB_ACCESS_LOG must be all, errors or off, not 'some'" in finished.stdout + finished.stderr
