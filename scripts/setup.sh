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
# System packages from Debian, installed when missing and we may (root with apt-get); otherwise say so and
# go on. Pango: WeasyPrint (report --format pdf) draws text with it; html and xlsx work without it.
# Chromium: the browser tests (tests/report/test_browser.py) open report.html in it.
apt_missing=()
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || apt_missing+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v chromium >/dev/null 2>&1 || apt_missing+=(chromium)
if [ "${#apt_missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}") >/dev/null 2>&1 \
      || echo "wijkloket: could not install ${apt_missing[*]} (pdf reports, browser tests)" >&2
  else
    echo "wijkloket: missing system packages ${apt_missing[*]} (pdf reports need Pango, browser tests chromium)" >&2
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
stamp=".venv/.wijkloket-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  # Playwright (browser tests) drives Debian's chromium; it must never fetch a browser of its own.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 .venv/bin/python -m pip install --quiet -e ".[test]"
  echo "$want" > "$stamp"
fi
# axe-core (the accessibility checker the browser tests inject into report.html) from npm, into
# tests/.node/, which is not committed; no package.json or lock file is written.
if [ ! -f tests/.node/node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null 2>&1; then
    npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix tests/.node axe-core@4 \
      >/dev/null 2>&1 || echo "wijkloket: could not install axe-core with npm; the browser tests will fail" >&2
  else
    echo "wijkloket: npm is missing; the browser tests need axe-core (npm install axe-core@4)" >&2
  fi
fi
