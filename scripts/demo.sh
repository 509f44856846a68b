#!/usr/bin/env bash
# Set up .venv and run the demo: a Haarlem workspace on the CBS data in ../shared/data (or
# $WIJKLOKET_DATA), its district profile, and the report at demo/out/report.html.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
exec .venv/bin/wijkloket demo "${1:-demo}" "${@:2}"
