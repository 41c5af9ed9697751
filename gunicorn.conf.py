"""How gunicorn serves errorhub: the Procfile's `web`, `make run` and the tests' gunicorn.

Threads, not a process per connection: a client that trickles its request holds one thread,
so slow clients cannot take every worker (sync workers let eight of them stop ingest).
Tens of slow clients are absorbed; a public install puts a buffering proxy in front too.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "32"))
# A worker takes no more connections than it has threads, so one whose threads are all held
# leaves new connections to the other workers instead of queueing them behind slow clients.
worker_connections = threads
# No keep-alive: an idle kept-alive connection would hold one of those slots (and gthread
# keeps none when the slots equal the threads); a proxy in front keeps clients' connections.
keepalive = 0
# A worker whose main loop is silent this long is replaced by the arbiter.
timeout = 30
graceful_timeout = 30
accesslog = "-"
# Tokens and keys in request URLs are masked in the access and error logs.
logger_class = "errorhub.log_secrets.MaskingGunicornLogger"
