"""A Redis server of the test's own, which the test may stop and start again."""

import subprocess
import time

import pytest
import redis

from tests.support.server import free_port


class RedisServer:
    """`redis-server` on a free port, nothing persisted; `url` stays the same across restarts."""

    def __init__(self, log_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = log_path
        self.process = None

    def start(self):
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        try:
            self.process = subprocess.Popen(command, stdout=open(self.log_path, "a"), stderr=subprocess.STDOUT)  # noqa: SIM115
        except FileNotFoundError:
            pytest.fail("this test needs redis-server on PATH", pytrace=False)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start:\n{self.log_path.read_text()}", pytrace=False)
                time.sleep(0.05)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
