#!/usr/bin/env bash
# Set up .venv and run the whole test suite (slow tests are covered by benchmarks/ and skipped),
# then ruff. Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
# A PostgreSQL server for the survey database tests (scripts/postgres.sh); without one their PostgreSQL
# variant is skipped (and fails on CI, CI=true).
if [ -z "${WIJKLOKET_TEST_PG:-}" ]; then
  if pg_url="$(bash "$root/scripts/postgres.sh" | tail -n 1)"; then
    export WIJKLOKET_TEST_PG="$pg_url"
  else
    echo "wijkloket: no PostgreSQL server for the tests; the survey database tests run on SQLite only" >&2
  fi
fi
.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy src
exec .venv/bin/python -m pytest -n 2 -m "not slow" "$@"
