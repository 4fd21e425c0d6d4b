#!/usr/bin/env bash
# Runs every test, on SQLite and on PostgreSQL.
#
# Sets up what the tests need by itself:
#   - a PostgreSQL 15 server in a temporary directory on 127.0.0.1 (Debian's `postgresql`
#     package, installed with apt-get where missing; run as the `postgres` system user when
#     this script runs as root, since the server refuses to run as root);
#   - a Python virtualenv in .venv with the test tools (openapi-spec-validator, schemathesis,
#     localstripe, the official `stripe` library, selenium);
#   - localstripe, a stateful fake Stripe, on 127.0.0.1 (LOCALSTRIPE_URL);
#   - Debian's chromium and chromium-driver, which the dashboard's browser test drives with
#     Selenium (from the virtualenv).
# The PostgreSQL and localstripe tests fail, never skip, when their server is missing.
#
# Usage: scripts/test.sh [extra `swift test` arguments, e.g. --filter AuthTests]
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

# --- PostgreSQL (durability settings off: the data is thrown away) ---------------------------
source scripts/lib/postgres.sh
start_postgres -c fsync=off -c synchronous_commit=off -c full_page_writes=off
export TEST_DATABASE_URL="$POSTGRES_URL"

# --- Python test tools ----------------------------------------------------------------------
if ! cmp -s scripts/requirements-test.txt .venv/requirements-test.txt 2>/dev/null; then
  log "installing Python test tools into .venv"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
  cp scripts/requirements-test.txt .venv/requirements-test.txt
fi

# --- localstripe on loopback ----------------------------------------------------------------
localstripe_port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/python scripts/localstripe_server.py "$localstripe_port" >/dev/null 2>&1 &
localstripe_pid=$!
trap 'kill "$localstripe_pid" 2>/dev/null || true; stop_postgres' EXIT
export LOCALSTRIPE_URL="http://127.0.0.1:$localstripe_port"
.venv/bin/python - "$LOCALSTRIPE_URL" <<'PY'
import socket, sys, time, urllib.parse
url = urllib.parse.urlparse(sys.argv[1])
for _ in range(200):
    try:
        socket.create_connection((url.hostname, url.port), timeout=1).close()
        break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit("localstripe did not start")
PY

# --- Tests ----------------------------------------------------------------------------------
source scripts/lib/apt.sh
need_package libsqlite3-dev /usr/include/sqlite3.h  # the SQLite backend builds against it
need_package chromium /usr/bin/chromium              # the dashboard's browser test
need_package chromium-driver /usr/bin/chromedriver
log "building"
swift build --build-tests

log "validating compose.yaml"
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  need_package docker-compose /usr/bin/docker-compose  # Debian's client: `config` needs no engine
  compose=(docker-compose)
fi
ADMIN_TOKEN=compose-check-admin-token-0123456789 APP_SECRET=compose-check-app-secret-0123456789abcdef \
  "${compose[@]}" -f compose.yaml config -q

log "validating the OpenAPI document"
tmp_doc=$(mktemp /tmp/openapi.XXXXXX.json)
swift run -q --skip-build payments openapi > "$tmp_doc"
.venv/bin/openapi-spec-validator "$tmp_doc"
rm -f "$tmp_doc"

log "running swift test (SQLite and PostgreSQL, localstripe)"
export STRIPE_REQUEST_LOG STRIPE_SIGNATURE_CASES
STRIPE_REQUEST_LOG=$(mktemp /tmp/stripe-requests.XXXXXX.json)
STRIPE_SIGNATURE_CASES=$(mktemp /tmp/stripe-signatures.XXXXXX.json)
.venv/bin/python scripts/stripe_signature_cases.py "$STRIPE_SIGNATURE_CASES"
swift test --skip-build "$@"

if [ $# -eq 0 ]; then
  log "checking every Stripe request shape against the stripe library's parameter types"
  .venv/bin/python scripts/stripe_params_check.py "$STRIPE_REQUEST_LOG"
fi
rm -f "$STRIPE_REQUEST_LOG" "$STRIPE_SIGNATURE_CASES"

if [ $# -eq 0 ]; then
  log "end to end through the payments binary (SQLite and PostgreSQL)"
  .venv/bin/python scripts/e2e.py "$(swift build --show-bin-path)/payments" "$TEST_DATABASE_URL"
  log "the dashboard in headless Chromium (Selenium)"
  .venv/bin/python scripts/browser_test.py "$(swift build --show-bin-path)/payments"
fi
