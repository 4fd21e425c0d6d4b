#!/usr/bin/env bash
# Proves the Docker image's content without a Docker engine (none runs on these machines):
#   1. builds the release binary exactly as the Dockerfile's build stage does
#      (`swift build -c release --static-swift-stdlib --product payments`);
#   2. makes a minimal Debian bookworm root with debootstrap holding what the runtime stage
#      holds: the packages it installs (libsqlite3-0, ca-certificates, tzdata), its non-root user
#      (uid 10001) and /data, and the binary (stripped, as there), nothing else (no Swift
#      toolchain, no Swift libraries);
#   3. starts the binary there with chroot, as that user, on SQLite in /data and then against a
#      PostgreSQL server (Debian's, in a temporary directory), and checks each time that
#      `payments health` (the image's HEALTHCHECK) passes and that an API call works.
# Needs root (debootstrap, chroot, mounts). The root is kept in $RELEASE_ROOT
# (default /tmp/payments-release-root) and reused by later runs.
#
# Usage: scripts/check-release.sh
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }
[ "$(id -u)" -eq 0 ] || { echo "check-release.sh needs root (debootstrap, chroot)" >&2; exit 2; }
source scripts/lib/apt.sh
need_package debootstrap /usr/sbin/debootstrap
need_package libsqlite3-dev /usr/include/sqlite3.h

log "building the release binary as the Dockerfile does"
swift build -c release --static-swift-stdlib --product payments
binary="$(swift build -c release --show-bin-path)/payments"

root=${RELEASE_ROOT:-/tmp/payments-release-root}
if [ ! -e "$root/.complete" ]; then
  log "making a minimal Debian bookworm root in $root (debootstrap)"
  rm -rf "$root"
  debootstrap --variant=minbase --include=libsqlite3-0,ca-certificates,tzdata bookworm "$root" http://deb.debian.org/debian >/dev/null
  touch "$root/.complete"
fi
# The runtime stage: its user and volume, and the one file copied from the build stage.
chroot "$root" sh -c 'id payments >/dev/null 2>&1 || useradd --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin payments
  rm -rf /data && mkdir -p /data && chown payments:payments /data'
install -D -m 0755 "$binary" "$root/usr/local/bin/payments"
strip "$root/usr/local/bin/payments"  # as the build stage does

mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  umount "$root/dev" 2>/dev/null || true
  umount "$root/proc" 2>/dev/null || true
  type stop_postgres >/dev/null 2>&1 && stop_postgres || true
}
trap cleanup EXIT

echo "binary: $(du -h "$root/usr/local/bin/payments" | cut -f1) stripped ($(du -h "$binary" | cut -f1) as built), links to:"
chroot "$root" ldd /usr/local/bin/payments | sed 's/^/  /'
echo "root: $(du -sh --exclude=proc --exclude=dev "$root" 2>/dev/null | cut -f1) (Debian minbase + the runtime packages + the binary)"

failures=0
check() {
  if [ "$2" = ok ]; then echo "  ok   $1"; else echo "  FAIL $1: $3"; failures=$((failures + 1)); fi
}

# Runs the binary in the root as the image would (its user, its environment), $1 naming the run.
run_in_root() {
  local label=$1 database_url=$2
  local port token secret
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  token="adm_release_check_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  secret="release-check-secret-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  local env=(env -i HOME=/data DATA_DIR=/data HOST=127.0.0.1 PORT="$port" ADMIN_TOKEN="$token" APP_SECRET="$secret")
  [ -n "$database_url" ] && env+=(DATABASE_URL="$database_url")
  echo "$label:"
  chroot --userspec=10001:10001 "$root" "${env[@]}" /usr/local/bin/payments serve >"/tmp/check-release-$label.log" 2>&1 &
  server_pid=$!
  local healthy=no
  for _ in $(seq 1 100); do
    if chroot --userspec=10001:10001 "$root" "${env[@]}" /usr/local/bin/payments health >/dev/null 2>&1; then healthy=ok; break; fi
    sleep 0.2
  done
  check "the image's HEALTHCHECK (payments health) passes: /health answers 200" "$healthy" "$(tail -5 "/tmp/check-release-$label.log")"
  local result
  result=$(python3 - "$port" "$token" <<'PY'
import json, sys, urllib.request
port, token = sys.argv[1], sys.argv[2]
def call(method, path, key, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Authorization", f"Bearer {key}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())
status, app = call("POST", "/admin/v1/apps", token, {"name": "release check", "mode": "test"})
assert status == 201, app
status, customer = call("PUT", "/v1/customers/org_1", app["api_key"], {"name": "Acme"})
assert status == 201 and customer["external_id"] == "org_1", customer
status, payment = call("POST", "/v1/payments", app["api_key"], {"customer": "org_1", "amount": 1500, "currency": "usd", "payment_method": "pm_sandbox_visa"})
assert status == 201 and payment["status"] == "succeeded", payment
print("ok")
PY
  ) || true
  check "an app, a customer and a sandbox payment through the API" "$result" "$(tail -5 "/tmp/check-release-$label.log")"
  if [ -z "$database_url" ]; then
    local files
    files=$(ls "$root/data")
    [[ "$files" == *payments.sqlite* ]] && check "SQLite's file is in the /data volume, owned by the service's user" ok || check "SQLite's file in /data" no "$files"
  fi
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null && check "SIGTERM: a clean exit" ok || check "SIGTERM: a clean exit" no "exit $?"
  server_pid=""
}

run_in_root sqlite ""

source scripts/lib/postgres.sh
start_postgres
run_in_root postgresql "$POSTGRES_URL"

if [ "$failures" -eq 0 ]; then echo "release check: passed"; else echo "release check: $failures failed"; exit 1; fi
