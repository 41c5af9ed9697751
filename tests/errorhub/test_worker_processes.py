"""`make worker`: the Celery worker and beat run under supervisord, which restarts beat when it dies."""

import os
import re
import signal
import subprocess
import threading

import pytest
from django.conf import settings

from tests.support.redis_server import RedisServer
from tests.support.server import ROOT
from tests.support.server import test_database_url as database_url
from tests.support.worker import require_services, wait_until

pytestmark = pytest.mark.services

SPAWNED = re.compile(r"spawned: 'beat' with pid (\d+)")


class Output:
    """What a process writes to its stdout, read through a pipe as a terminal would
    (supervisord reopens /dev/stdout, which on a plain file would overwrite itself)."""

    def __init__(self, process):
        self.lines = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(process.stdout), daemon=True)
        self.reader.start()

    @property
    def text(self):
        return "".join(self.lines)

    def beat_pids(self):
        return [int(pid) for pid in SPAWNED.findall(self.text)]

    def running(self, program):
        return self.text.count(f"success: {program} entered RUNNING state")


def test_beat_is_restarted_when_it_dies(db, tmp_path):
    require_services()
    broker = RedisServer(tmp_path / "redis.log")
    broker.start()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker.url,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "ERRORHUB_DATA_DIR": str(tmp_path),
    }
    # What `make worker` runs, after its install step.
    supervisor = subprocess.Popen(
        [str(ROOT / ".venv/bin/supervisord"), "--configuration", "supervisord.conf"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    output = Output(supervisor)
    try:
        assert wait_until(lambda: output.running("beat") and output.running("worker"), timeout=60), output.text
        [first_beat] = output.beat_pids()
        os.kill(first_beat, signal.SIGKILL)

        assert wait_until(lambda: output.running("beat") == 2, timeout=30), output.text
        [_, second_beat] = output.beat_pids()
        assert second_beat != first_beat
        os.kill(second_beat, 0)  # alive
        assert output.running("worker") == 1  # the worker went on undisturbed
    finally:
        supervisor.terminate()
        supervisor.wait(timeout=90)
        output.reader.join(timeout=5)
        broker.stop()
    assert "stopped: beat" in output.text
