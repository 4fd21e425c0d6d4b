# Sourced by scripts/test.sh and scripts/bench.sh: starts a throw-away PostgreSQL server.
#
# start_postgres [extra server options]
#   Installs Debian's postgresql package where missing, runs initdb and the server in a temporary
#   directory on 127.0.0.1 and a free port (as the `postgres` system user when run as root: the
#   server refuses to run as root), exports POSTGRES_URL for the `postgres` database, and stops
#   and removes the server on exit.

pg_log() { printf '==> %s\n' "$*" >&2; }

find_pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

start_postgres() {
  if ! pg_bin=$(find_pg_bin); then
    pg_log "PostgreSQL not found: installing Debian's postgresql package"
    local apt_get=(apt-get)
    [ "$(id -u)" -eq 0 ] || apt_get=(sudo apt-get)
    "${apt_get[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq postgresql >/dev/null
    pg_bin=$(find_pg_bin) || { echo "PostgreSQL install failed" >&2; return 1; }
  fi
  as_pg=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "the postgres system user is missing (install the postgresql package)" >&2; return 1; }
    as_pg=(runuser -u postgres --)
  fi
  pg_dir=$(mktemp -d /tmp/payments-pg.XXXXXX)
  chmod 755 "$pg_dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  trap stop_postgres EXIT
  pg_log "starting PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust --locale=C.UTF-8 -E UTF8 >/dev/null
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $pg_dir -c max_connections=300 $*" start >/dev/null
  export POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
}

stop_postgres() {
  [ -n "${pg_dir:-}" ] || return 0
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
  pg_dir=
}
