#!/usr/bin/env bash
# Make sure a PostgreSQL server runs for the tests of the survey database: a cluster in .venv/pgdata (not in
# git), listening on 127.0.0.1:54329 only, trust authentication (local test use only, never for real data),
# with the database wijkloket_test. Idempotent: a server that already answers is left alone.
# Prints the URL for WIJKLOKET_TEST_PG on its last line. Installs Debian's postgresql package when the
# binaries are missing and we are root with apt-get.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${WIJKLOKET_PG_PORT:-54329}"
data="${WIJKLOKET_PG_DATA:-$root/.venv/pgdata}"
db="wijkloket_test"
url="postgresql+psycopg://postgres@127.0.0.1:$port/$db"

find_bin() {
  # The folder holding all the programs used below (Debian keeps them in /usr/lib/postgresql/N/bin and
  # links only some into the PATH).
  local dir tool ok
  for dir in "$(dirname "$(readlink -f "$(command -v pg_ctl || echo /nonexistent)")")" \
             $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    ok=1
    for tool in pg_ctl initdb pg_isready psql createdb; do [ -x "$dir/$tool" ] || ok=0; done
    [ "$ok" = 1 ] && { echo "$dir"; return 0; }
  done
  return 1
}

bin="$(find_bin || true)"
if [ -z "$bin" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null 2>&1 \
      || { echo "wijkloket: could not install the postgresql package" >&2; exit 1; }
    bin="$(find_bin)"
  else
    echo "wijkloket: PostgreSQL (pg_ctl, initdb) not found; install it (Debian: apt-get install postgresql)" >&2
    exit 1
  fi
fi

# initdb and the server refuse to run as root: run them as the postgres OS user then.
as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" 2>/dev/null; then
  :
else
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" = "0" ] && chown postgres "$data"
    chmod 700 "$data"
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off" start >/dev/null
fi
exists="$("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")"
[ "$exists" = "1" ] || "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
echo "$url"
