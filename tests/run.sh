#!/usr/bin/env bash
# The whole suite, in two legs:
#  1. SQLite with eager tasks and no services: what a newcomer's laptop runs.
#  2. PostgreSQL with a real Celery worker on Redis: always under CI=true (missing services
#     fail the run), and on a laptop whenever both answer.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_URL=${ERRORHUB_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
REDIS=${ERRORHUB_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}

# The console's browser tests drive Debian's chromium through Playwright (never `playwright
# install`: installs have no internet but the package mirrors). CI installs it when missing;
# the tests fail there without it.
if [ "${CI:-}" = "true" ] && ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi

echo "== leg 1: SQLite, eager tasks =="
env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL -u KAPACITOR_URL \
  ERRORHUB_DATA_DIR="$(mktemp -d)" .venv/bin/pytest -q -m "not services" "$@"

services_up() {
  $PY - "$PG_URL" "$REDIS" <<'PYCHECK'
import sys
import psycopg
import redis
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://"), connect_timeout=3).close()
except Exception as exc:
    sys.exit(f"PostgreSQL is not reachable at {sys.argv[1]}: {exc}")
try:
    redis.Redis.from_url(sys.argv[2], socket_timeout=3).ping()
except Exception as exc:
    sys.exit(f"Redis is not reachable at {sys.argv[2]}: {exc}")
PYCHECK
}

if ! services_up; then
  if [ "${CI:-}" = "true" ]; then
    echo "CI=true: the PostgreSQL + Redis leg is required; failing." >&2
    exit 1
  fi
  echo "PostgreSQL/Redis not reachable: ran the SQLite leg only (CI runs both)."
  exit 0
fi

echo "== leg 2: PostgreSQL, real Celery worker on Redis =="
DATABASE_URL="$PG_URL" CELERY_BROKER_URL="$REDIS" SECRET_KEY=errorhub-tests-not-a-production-secret-key \
  ERRORHUB_TEST_DATABASE_NAME=${ERRORHUB_TEST_DATABASE_NAME:-test_errorhub} \
  env -u REDIS_URL -u KAPACITOR_URL .venv/bin/pytest -q --create-db "$@"
