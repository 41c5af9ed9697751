"""How gunicorn serves errorhub: the Procfile's `web`, `make run` and the tests' gunicorn.

Measured choices (bench/README.md; docs/architecture.md, "Serving"):
- gthread workers, one per core: a client that trickles its request holds one thread, not
  a process, so slow clients cannot take every worker (sync workers let eight of them stop
  ingest). Tens of slow clients are absorbed; a public install puts a buffering proxy in front too.
- Keep-alive: SDKs and the load generator reuse their connections, and a new TCP connection
  per event cost more than the ingest itself. An idle kept-alive connection waits in the
  worker's poller, not in a thread, and is closed after `keepalive` seconds.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "48"))
# Beyond its threads a worker holds only this many idle kept-alive connections, so one whose
# threads are all held by slow clients leaves new connections to the other workers.
worker_connections = threads + int(os.environ.get("WEB_KEEPALIVE_CONNECTIONS", "16"))
keepalive = 5
# A worker whose main loop is silent this long is replaced by the arbiter.
timeout = 30
graceful_timeout = 30
# WEB_ACCESS_LOG: every request (`all`), only the 4xx and 5xx answers (`errors`: an SDK's
# accepted events are ~10% of a request's CPU to log), or none (`off`).
ACCESS_LOG = os.environ.get("WEB_ACCESS_LOG", "all")
if ACCESS_LOG not in ("all", "errors", "off"):
    raise SystemExit(f"WEB_ACCESS_LOG must be all, errors or off, not {ACCESS_LOG!r}")
accesslog = None if ACCESS_LOG == "off" else "-"
# Tokens and keys in request URLs are masked in the access and error logs.
logger_class = "errorhub.log_secrets.MaskingGunicornLogger"
