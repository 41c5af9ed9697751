"""errorhub's own settings plus one no-op route, for `make bench` only (bench/README.md).

The no-op view runs in the same gunicorn, behind the same middleware, as the envelope route,
so "accepted events/s divided by the no-op's requests/s" says how much of the ceiling ingest uses.
"""

from errorhub.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
