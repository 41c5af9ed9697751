#!/usr/bin/env bash
# The whole suite. Always on SQLite with eager tasks (a newcomer's laptop); under CI=true
# also on PostgreSQL with a real Celery worker on Redis, which must be there.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pytest -q "$@"
