"""Clients that trickle their requests do not starve ingest (gunicorn.conf.py: gthread workers)."""

import copy
import socket
import threading
import time
from urllib.parse import urlsplit

import requests

from tests.conftest import load_fixture

SLOW_CLIENTS = 50


def test_fifty_clients_trickling_their_headers_leave_ingest_answering(errorhub_server):
    address = urlsplit(errorhub_server)
    slow = [socket.create_connection((address.hostname, address.port)) for _ in range(SLOW_CLIENTS)]
    for connection in slow:
        connection.sendall(b"POST /capture HTTP/1.1\r\nHost: errorhub\r\n")
    done = threading.Event()

    def trickle():
        # One more header line every half second: each request stays unfinished for the whole test.
        while not done.wait(0.5):
            for connection in slow:
                connection.sendall(b"X-Trickle: 1\r\n")

    trickler = threading.Thread(target=trickle)
    trickler.start()
    capture = copy.deepcopy(load_fixture("eventsum_capture.json"))
    capture["service"] = "patient-service"
    try:
        time.sleep(1)  # every slow connection has been taken by a worker and is being read
        for _ in range(10):
            started = time.monotonic()
            # A new connection each time: starvation shows at accept, not on a kept-alive socket.
            response = requests.post(f"{errorhub_server}/capture", json=capture, timeout=5)
            assert response.status_code == 200
            assert time.monotonic() - started < 2
    finally:
        done.set()
        trickler.join()
        for connection in slow:
            connection.close()
    assert requests.get(f"{errorhub_server}/health", timeout=5).status_code == 200
