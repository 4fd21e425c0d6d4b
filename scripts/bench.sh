#!/usr/bin/env bash
# Benchmarks the release build with wrk on loopback, on SQLite and then on a temporary
# PostgreSQL, and prints each figure beside its ratio to the same server's no-op route (R0).
#
# Routes: GET /ping (no-op, R0); GET /health (one `SELECT 1` through the store: the floor for
# any route that touches the database); GET /v1/customers/{id} (authenticated read: cached key
# + customer read); PUT /v1/customers/{unique id} (authenticated write: insert + audit entry +
# event in one transaction, the server's audit sealer running beside), to one app and spread over
# 8 apps; POST /v1/payments (a new sandbox charge
# per request, each under its own Idempotency-Key); POST /v1/usage-events (a new event each),
# POST /v1/usage-events/batch (1,000 new events each, 8 connections), GET .../usage before and
# after the batches (read from rollups); POST /v1/entitlements/check (warm: from memory) at -c64,
# nine times 4 s in turn with R0 (the median pair is reported against the R0 beside it), and at
# concurrency 1; POST /webhooks/stripe (a distinct event as
# Stripe sends them, whole objects from Stripe's fixtures, indented, ~5 KB, signed ahead of time
# per request: verify + store + 2xx). The server's resident memory: idle after start, and its
# peak (VmHWM) after the loads. Events (scripts/bench_outbox.py): deliveries/s from a backlog
# to a loopback no-op receiver, by a `payments worker` beside `serve --no-workers`; and the time
# from a write's request to its event's delivery, p50/p99 over 300 writes one at a time, with
# the outbox worker in the serving process (the default) and in a separate `payments worker`.
#
# Usage: scripts/bench.sh [seconds per run, default 10]   (wrk -t2 -c64, as the issue measures)
#        BENCH_DATABASES="sqlite" scripts/bench.sh   to run one database only
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
threads=2
connections=64

log() { printf '==> %s\n' "$*" >&2; }

source scripts/lib/apt.sh
need_package wrk /usr/bin/wrk
need_package libsqlite3-dev /usr/include/sqlite3.h

log "building release"
swift build -c release --product payments >&2
bin="$(swift build -c release --show-bin-path)/payments"

source scripts/lib/postgres.sh
work=$(mktemp -d /tmp/payments-bench.XXXXXX)
server_pid=
cleanup_bench() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  stop_postgres
  rm -rf "$work"
}

run_wrk() { # script path -> prints "rps p50 p99 errors"
  local out
  out=$(wrk -t"${WRK_THREADS:-$threads}" -c"${WRK_CONNECTIONS:-$connections}" -d"${WRK_SECONDS:-$duration}s" -s "scripts/wrk/$1" "http://127.0.0.1:$port$2")
  python3 -c '
import json, sys
line = [l for l in sys.stdin.read().splitlines() if l.startswith("RESULT ")][-1]
r = json.loads(line[7:])
print(r["rps"], r["p50_ms"], r["p99_ms"], r["errors"])' <<<"$out"
}

wait_idle() { # waits (at most 120 s) until the machine is quiet: under 10% of its CPU busy over half a second
  # (the server's leftovers, and on PostgreSQL the database's own: autovacuum, the checkpoint).
  local start=$SECONDS before after
  while [ $((SECONDS - start)) -lt 120 ]; do
    before=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat)
    sleep 0.5
    after=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat)
    python3 -c 'import sys; b = [int(x) for x in sys.argv[1].split()]; a = [int(x) for x in sys.argv[2].split()]; busy, idle = a[0] - b[0], a[1] - b[1]; sys.exit(0 if busy * 10 < busy + idle else 1)' \
      "$before" "$after" && break
  done
  log "machine quiet after $((SECONDS - start)) s"
}

median_pair() { # "r0 figures|route figures" ... -> the pair whose ratio (route rps / R0 rps) is the median
  python3 -c '
import sys
pairs = [arg.split("|") for arg in sys.argv[1:]]
pairs.sort(key=lambda pair: float(pair[1].split()[0]) / float(pair[0].split()[0]))
print("|".join(pairs[len(pairs) // 2]))' "$@"
}

ratios() { # "r0 figures|route figures" ... -> each pair's ratio, in the order measured
  python3 -c '
import sys
print(", ".join("%.2f" % (float(b.split()[0]) / float(a.split()[0])) for a, b in (arg.split("|") for arg in sys.argv[1:])))' "$@"
}

stored_events() { # how many usage events org_bench has this period, as the API reads it
  curl -fs "http://127.0.0.1:$port/v1/customers/org_bench/usage?metric=bench_calls" -H "Authorization: Bearer $KEY" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["metrics"][0]["events"])'
}

results=()
events=()
memory=()
bench_database() { # label DATABASE_URL
  local label=$1 url=$2
  export DATA_DIR="$work/$label" LOG_LEVEL=warning
  if [ -n "$url" ]; then export DATABASE_URL="$url"; else unset DATABASE_URL; fi
  "$bin" migrate >/dev/null
  KEY=$("$bin" apps create --name bench --mode test | awk '/^api_key:/ {print $2}')
  export KEY
  local keys=() n
  for n in 1 2 3 4 5 6 7 8; do
    keys+=("$("$bin" apps create --name "bench-$n" --mode test | awk '/^api_key:/ {print $2}')")
  done
  local app_keys
  app_keys=$(IFS=,; echo "${keys[*]}")
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  # With its workers: the audit sealer runs beside the writes, as it does in production.
  PORT=$port "$bin" serve >"$work/$label.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/ping" >/dev/null && break; sleep 0.1; done
  sleep 1
  local rss_idle rss_peak
  rss_idle=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status")
  curl -fs -X PUT "http://127.0.0.1:$port/v1/customers/org_bench" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' -d '{"name":"Bench","email":"b@bench.test"}' >/dev/null
  # Warm up connections and caches.
  wrk -t"$threads" -c"$connections" -d2s "http://127.0.0.1:$port/ping" >/dev/null
  local r0 floor read write write8 pay
  r0=$(run_wrk get.lua /ping)
  floor=$(run_wrk get.lua /health)
  read=$(run_wrk get.lua /v1/customers/org_bench)
  # Entitlement checks, warm (answered from memory): 20 customers on a plan with features and
  # limits, at -c64 and at concurrency 1 (its p99 is the figure there). Before the write and
  # usage rows, so that the work they leave behind (the server sealing audit entries and
  # numbering events, PostgreSQL's autovacuum and checkpoints of tens of thousands of rows, a
  # million events) is not in the figure of a route that reads no database, and once the machine
  # is quiet after the checks' own set-up, so that the figures are the checks' own.
  curl -fs -X POST "http://127.0.0.1:$port/v1/metrics" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d '{"key":"seats","name":"Seats","aggregation":"last"}' >/dev/null
  curl -fs -X POST "http://127.0.0.1:$port/v1/plans" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d '{"key":"bench_plan","name":"Bench","features":["exports","sso"],"limits":{"seats":50,"bench_calls":1000000000},"prices":[{"key":"m","type":"recurring","amount":1000,"currency":"usd","interval":"month"}]}' >/dev/null
  for n in $(seq 20); do
    curl -fs -X PUT "http://127.0.0.1:$port/v1/customers/org_check_$n" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{}' >/dev/null
    curl -fs -X POST "http://127.0.0.1:$port/v1/subscriptions" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
      -d "{\"customer\":\"org_check_$n\",\"plan\":\"bench_plan\",\"payment_method\":\"pm_sandbox_visa\"}" >/dev/null
  done
  local check check_r0 check_one check_rounds check_ratios
  wait_idle
  WRK_CONNECTIONS=8 run_wrk post-check.lua /v1/entitlements/check >/dev/null  # warm
  # The check is held to 0.7 × R0, and this host's speed moves by ±15-20 % from one minute to
  # the next, more within a minute (R0 itself, same binary; one run's turns of the same binary
  # gave 0.57 to 0.85): R0 and the check are measured in turn, nine times 4 s (a pair close in
  # time sees the same host), and the pair whose ratio is the median is reported, with R0 as
  # measured beside it.
  check_rounds=()
  for _ in 1 2 3 4 5 6 7 8 9; do
    check_rounds+=("$(WRK_SECONDS=4 run_wrk get.lua /ping)|$(WRK_SECONDS=4 run_wrk post-check.lua /v1/entitlements/check)")
  done
  IFS='|' read -r check_r0 check <<<"$(median_pair "${check_rounds[@]}")"
  check_ratios=$(ratios "${check_rounds[@]}")
  # Its latency at concurrency 1 once the machine is quiet again.
  wait_idle
  check_one=$(WRK_THREADS=1 WRK_CONNECTIONS=1 run_wrk post-check.lua /v1/entitlements/check)
  write=$(run_wrk put-customer.lua /v1/customers)
  write8=$(KEYS=$app_keys run_wrk put-customer.lua /v1/customers)
  pay=$(run_wrk post-payment.lua /v1/payments)
  # Usage: one event per request, then batches of 1,000 (8 connections: a few clients sending
  # large batches), and the usage read before and after the batches (rollups: flat in the number
  # of events stored).
  curl -fs -X POST "http://127.0.0.1:$port/v1/metrics" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d '{"key":"bench_calls","name":"Calls","aggregation":"sum"}' >/dev/null
  local usage_one usage_read usage_batch usage_read_after stored_before stored_after
  usage_one=$(run_wrk post-usage.lua /v1/usage-events)
  stored_before=$(stored_events)
  usage_read=$(run_wrk get.lua /v1/customers/org_bench/usage)
  usage_batch=$(BATCH=1000 WRK_CONNECTIONS=8 run_wrk post-usage.lua /v1/usage-events/batch)
  stored_after=$(stored_events)
  usage_read_after=$(run_wrk get.lua /v1/customers/org_bench/usage)
  rss_peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status")
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=

  # The webhook inbox and the outbox: the platform's Stripe account configured (never called:
  # STRIPE_API_BASE is a closed port and the inbox is not processed, only stored).
  local inbox outbox_json separate_json inprocess_json
  # Enough distinct events for 15,000/s (a duplicate is cheaper: it would flatter the figure).
  body_size=$(python3 scripts/bench_outbox.py sign whsec_bench $((duration * 15000)) "$work/webhooks.txt")
  STRIPE_SECRET_KEY=sk_test_bench STRIPE_WEBHOOK_SECRET=whsec_bench STRIPE_API_BASE=http://127.0.0.1:9 \
    PORT=$port "$bin" serve --no-workers >"$work/$label-events.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/ping" >/dev/null && break; sleep 0.1; done
  inbox=$(WEBHOOKS="$work/webhooks.txt" WRK_THREADS=$threads run_wrk post-webhook.lua /webhooks/stripe)
  memory+=("$label|$rss_idle|$rss_peak|$(awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status")")
  outbox_json=$(python3 scripts/bench_outbox.py throughput "$bin" "$port" "$KEY" 20000)
  "$bin" worker >/dev/null 2>&1 &
  local worker_pid=$!
  separate_json=$(python3 scripts/bench_outbox.py latency "$port" "$KEY" 300)
  kill "$worker_pid"; wait "$worker_pid" 2>/dev/null || true
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
  PORT=$port "$bin" serve >"$work/$label-serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/ping" >/dev/null && break; sleep 0.1; done
  inprocess_json=$(python3 scripts/bench_outbox.py latency "$port" "$KEY" 300)
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
  events+=("$label|$outbox_json|$inprocess_json|$separate_json")

  results+=("$label|no-op GET /ping (R0)|$r0|$r0")
  results+=("$label|GET /health (one SELECT 1)|$floor|$r0")
  results+=("$label|GET /v1/customers/{id}|$read|$r0")
  results+=("$label|PUT /v1/customers/{new id}, one app|$write|$r0")
  results+=("$label|PUT /v1/customers/{new id}, 8 apps|$write8|$r0")
  results+=("$label|POST /v1/payments (sandbox charge)|$pay|$r0")
  results+=("$label|POST /webhooks/stripe (verify + store; bodies $body_size B on average)|$inbox|$r0")
  results+=("$label|POST /v1/usage-events (one new event)|$usage_one|$r0")
  results+=("$label|GET /v1/customers/{id}/usage ($(printf "%'d" "$stored_before") events stored)|$usage_read|$r0")
  local batch_events
  batch_events=$(awk '{printf "%.0f", $1 * 1000}' <<<"$usage_batch")
  results+=("$label|POST /v1/usage-events/batch, 1,000 new events each, 8 connections: $(printf "%'d" "$batch_events") events/s|$usage_batch|$r0")
  results+=("$label|GET /v1/customers/{id}/usage ($(printf "%'d" "$stored_after") events stored)|$usage_read_after|$r0")
  results+=("$label|no-op GET /ping (R0), measured in turn with the check|$check_r0|$check_r0")
  results+=("$label|POST /v1/entitlements/check (warm, 20 customers; median of 9 turns of 4 s, ratios $check_ratios)|$check|$check_r0")
  results+=("$label|POST /v1/entitlements/check (warm), concurrency 1|$check_one|$check_r0")
}

trap cleanup_bench EXIT
for database in ${BENCH_DATABASES:-sqlite postgres}; do
  case $database in
    sqlite)
      log "SQLite (WAL, synchronous=NORMAL)"
      bench_database sqlite "" ;;
    postgres)
      log "PostgreSQL (temporary server, default durability)"
      start_postgres
      psql "$POSTGRES_URL" -qc "CREATE DATABASE bench" >/dev/null
      bench_database postgres "${POSTGRES_URL/\/postgres\?//bench?}" ;;
    *) echo "unknown database $database" >&2; exit 2 ;;
  esac
done

printf '\nwrk -t%s -c%s -d%ss on 127.0.0.1, %s cores; release build; LOG_LEVEL=warning\n\n' "$threads" "$connections" "$duration" "$(nproc)"
printf '| database | route | requests/s | p50 ms | p99 ms | errors | ratio to R0 |\n|---|---|---:|---:|---:|---:|---:|\n'
for row in "${results[@]}"; do
  IFS='|' read -r db route figures baseline <<<"$row"
  read -r rps p50 p99 errors <<<"$figures"
  read -r base _ <<<"$baseline"
  python3 -c "import sys; db,route,rps,p50,p99,err,base=sys.argv[1:]; print(f'| {db} | {route} | {float(rps):,.0f} | {float(p50):.2f} | {float(p99):.2f} | {err} | {float(rps)/float(base):.2f} |')" \
    "$db" "$route" "$rps" "$p50" "$p99" "$errors" "$base"
done

printf '\nResident memory of `serve` (MB)\n\n| database | idle after start | peak after the API rows (VmHWM) | peak after the inbox row |\n|---|---:|---:|---:|\n'
for row in "${memory[@]}"; do
  IFS='|' read -r db idle peak inbox_peak <<<"$row"
  awk -v db="$db" -v i="$idle" -v p="$peak" -v w="$inbox_peak" 'BEGIN { printf "| %s | %.1f | %.1f | %.1f |\n", db, i/1024, p/1024, w/1024 }'
done

printf '\nOutbound events (release build, loopback no-op receiver)\n\n'
printf '| database | deliveries/s (20,000 backlog, separate worker) | request → delivery p50 / p99 ms, in-process worker | same, separate worker |\n|---|---:|---:|---:|\n'
for row in "${events[@]}"; do
  IFS='|' read -r db throughput inproc separate <<<"$row"
  python3 -c "
import json, sys
db, t, i, s = sys.argv[1], *map(json.loads, sys.argv[2:])
print(f\"| {db} | {t['deliveries_per_s']:,.0f} ({t['delivered']}/{t['events']}) | {i['p50_ms']:.1f} / {i['p99_ms']:.1f} | {s['p50_ms']:.1f} / {s['p99_ms']:.1f} |\")" \
    "$db" "$throughput" "$inproc" "$separate"
done
