"""The embedded default's digest: a background thread in each web process, so requests only insert.

Without a broker (CELERY_TASK_ALWAYS_EAGER) nothing else would digest; running it inside the
request made every request pay for grouping under SQLite's one write lock. Instead accept()
wakes this process's digester after its commit and answers. The digester drains with
digest_all() (short transactions of ERRORHUB_DIGEST_BATCH_SIZE events, so requests' INSERTs
get the write lock between them); wakes that arrive while it drains are coalesced into one
more pass, which sees every event committed before it started. It also sweeps every
SWEEP_SECONDS for events a killed process left undigested (there is no beat without a broker).
"""

import logging
import os
import threading
import time

from django.db import close_old_connections

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 30
FAILED_PASS_PAUSE_SECONDS = 1


class Digester:
    def __init__(self, drain):
        self.drain = drain
        self.wakeup = threading.Event()
        self.lock = threading.Lock()
        self.thread = None
        self.pid = None

    def wake(self):
        """Ask for a pass over the queue; starts the thread on first use in this process. Never waits."""
        if self.pid != os.getpid() or not self.thread.is_alive():
            self._start()
        self.wakeup.set()

    def _start(self):
        with self.lock:
            # A forked child inherits the parent's object but not its thread.
            if self.pid == os.getpid() and self.thread.is_alive():
                return
            self.pid = os.getpid()
            self.thread = threading.Thread(target=self._run, name="errorhub-digester", daemon=True)
            self.thread.start()

    def _run(self):
        while True:
            self.wakeup.wait(timeout=SWEEP_SECONDS)
            # Cleared before the pass: a commit after this point wakes the next one.
            self.wakeup.clear()
            close_old_connections()
            try:
                digested = self.drain()
            except Exception:
                logger.exception("background digest failed; the events stay queued for the next pass")
                # A database that keeps failing is not asked again at every request's wake.
                time.sleep(FAILED_PASS_PAUSE_SECONDS)
            else:
                if digested:
                    logger.debug("background digest: %d events", digested)
            finally:
                close_old_connections()
