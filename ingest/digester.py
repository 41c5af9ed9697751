"""Background passes in each web process, so requests only insert and answer.

Two uses (ingest.pipeline.request_digest). Without a broker (CELERY_TASK_ALWAYS_EAGER)
nothing else would digest, and running it inside the request made every request pay for
grouping under SQLite's one write lock: the embedded default's digest is a pass of
digest_all() (short transactions of ERRORHUB_DIGEST_BATCH_SIZE events, so requests' INSERTs
get the write lock between them), which also sweeps every SWEEP_SECONDS for events a killed
process left undigested (there is no beat without a broker). With a broker, asking it for a
digest is a pass too: the request's thread never waits for Redis, and the asks of all the
requests committed meanwhile are one round trip.

A wake after a commit always leads to a pass that starts after it: wakes that arrive during
a pass, or during the `gather_seconds` a pass waits before it starts, are coalesced into it.
"""

import logging
import os
import threading
import time

from django.db import close_old_connections

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 30
FAILED_PASS_PAUSE_SECONDS = 1


class BackgroundPass:
    def __init__(self, name, work, sweep_seconds=None, gather_seconds=0):
        self.name = name
        self.work = work
        self.sweep_seconds = sweep_seconds
        self.gather_seconds = gather_seconds
        self.wakeup = threading.Event()
        self.lock = threading.Lock()
        self.thread = None
        self.pid = None

    def wake(self):
        """Ask for a pass; starts the thread on first use in this process. Never waits."""
        if self.pid != os.getpid() or not self.thread.is_alive():
            self._start()
        # Already set, a pass is due that starts after this commit; set() would wake no one
        # and take the Event's lock (in a burst, every request).
        if not self.wakeup.is_set():
            self.wakeup.set()

    def _start(self):
        with self.lock:
            # A forked child inherits the parent's object but not its thread.
            if self.pid == os.getpid() and self.thread.is_alive():
                return
            self.pid = os.getpid()
            self.thread = threading.Thread(target=self._run, name=f"errorhub-{self.name}", daemon=True)
            self.thread.start()

    def _run(self):
        while True:
            if self.wakeup.wait(timeout=self.sweep_seconds):
                time.sleep(self.gather_seconds)
            # Cleared before the pass: a commit after this point wakes the next one.
            self.wakeup.clear()
            close_old_connections()
            try:
                done = self.work()
            except Exception:
                logger.exception("background %s failed; what it had to do waits for the next pass", self.name)
                # A database that keeps failing is not asked again at every request's wake.
                time.sleep(FAILED_PASS_PAUSE_SECONDS)
            else:
                if done:
                    logger.debug("background %s pass: %s", self.name, done)
            finally:
                close_old_connections()
