#!/usr/bin/env bash
# Set up .venv and run the whole test suite (slow tests are covered by benchmarks/ and skipped),
# then ruff. Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy src
exec .venv/bin/python -m pytest -n 2 -m "not slow" "$@"
