#!/usr/bin/env bash
# Create or reuse .venv at the repository root with wijkloket installed (editable, with the test
# tools). Re-installs only when pyproject.toml changed. Usable on a fresh machine with Python 3.11.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
py="${PYTHON:-}"
if [ -z "$py" ]; then
  for cand in python3.11 python3 python; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      py="$cand"; break
    fi
  done
fi
[ -n "$py" ] || { echo "wijkloket needs Python 3.11 or newer" >&2; exit 1; }
# WeasyPrint (report --format pdf) draws text with Pango, a system library: install it from Debian's
# packages when it is missing and we may (root with apt-get); otherwise say so and go on (html and xlsx work).
if ! ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so"; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0) >/dev/null 2>&1 \
      || echo "wijkloket: could not install Pango; 'report --format pdf' will not work" >&2
  else
    echo "wijkloket: Pango (libpango-1.0-0) is missing; 'report --format pdf' needs it" >&2
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
stamp=".venv/.wijkloket-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[test]"
  echo "$want" > "$stamp"
fi
