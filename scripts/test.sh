#!/usr/bin/env bash
# Runs every test, on SQLite and on PostgreSQL.
#
# Sets up what the tests need by itself:
#   - a PostgreSQL 15 server in a temporary directory on 127.0.0.1 (Debian's `postgresql`
#     package, installed with apt-get where missing; run as the `postgres` system user when
#     this script runs as root, since the server refuses to run as root);
#   - a Python virtualenv in .venv with the test tools (openapi-spec-validator).
# The PostgreSQL tests fail, never skip, when the server is missing.
#
# Usage: scripts/test.sh [extra `swift test` arguments, e.g. --filter AuthTests]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

log() { printf '==> %s\n' "$*" >&2; }

# --- PostgreSQL -----------------------------------------------------------------------------
find_pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}
if ! pg_bin=$(find_pg_bin); then
  log "PostgreSQL not found: installing Debian's postgresql package"
  if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  "${apt_get[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq postgresql >/dev/null
  pg_bin=$(find_pg_bin) || { echo "PostgreSQL install failed" >&2; exit 1; }
fi

as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "the postgres system user is missing (install the postgresql package)" >&2; exit 1; }
  as_pg=(runuser -u postgres --)
fi

pg_dir=$(mktemp -d /tmp/payments-pg.XXXXXX)
chmod 755 "$pg_dir"
[ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir"
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap cleanup EXIT

log "starting PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port"
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust --locale=C.UTF-8 -E UTF8 >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -o \
  "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null
export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable"

# --- Python test tools ----------------------------------------------------------------------
if [ ! -x .venv/bin/openapi-spec-validator ]; then
  log "installing Python test tools into .venv"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
fi

# --- Tests ----------------------------------------------------------------------------------
log "building"
swift build --build-tests

log "validating the OpenAPI document"
tmp_doc=$(mktemp /tmp/openapi.XXXXXX.json)
swift run -q --skip-build payments openapi > "$tmp_doc"
.venv/bin/openapi-spec-validator "$tmp_doc"
rm -f "$tmp_doc"

log "running swift test (SQLite and PostgreSQL)"
swift test --skip-build "$@"
