#!/usr/bin/env bash
# make bench-tls: what TLS costs. The same scenarios with and without
# --tls-cert, each on a fresh parleyd (embedded store, full durability):
# idle connections on the TCP and on the WebSocket gateway (server RSS per
# connection), 1:1 closed loop (throughput), one message at a time (latency). Prints the summaries and
# writes bench/results/<YYYY-MM-DD>/tls/*.json, commands.txt and summary.txt.
#
#   bash bench/tls.sh                 # 8,000 idle connections, 200 pairs for 10 s
#   CONNECT_N=2000 bash bench/tls.sh  # smaller
#
# The test certificate (EC P-256, a CA of its own) is made in a temp dir with
# the openssl CLI; parley-bench verifies it (--ca).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-build-bench}
case "$BUILD_DIR" in /*) BUILD="$BUILD_DIR" ;; *) BUILD="$ROOT/$BUILD_DIR" ;; esac
OUT=${BENCH_OUT:-$ROOT/bench/results/$(date +%F)/tls}
CONNECT_N=${CONNECT_N:-8000}
PAIRS=${PAIRS:-200}
DUR=${DUR:-10}
SERIAL_N=${SERIAL_N:-3000}
WORK=$(mktemp -d /tmp/parley-bench-tls-XXXXXX)
SERVER_PID=""

stop_pid() {
  local pid=$1
  [[ -z "$pid" ]] && return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() { stop_pid "$SERVER_PID"; SERVER_PID=""; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j 2 --target parleyd parley-bench
fi
PARLEYD="$BUILD/src/app/parleyd"
BENCH="$BUILD/tools/bench/parley-bench"
SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')

# The certificate: as docs/operations.md "TLS".
newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
openssl req -x509 "${newkey[@]}" -keyout "$WORK/ca.key" -out "$WORK/ca.pem" -days 2 \
  -subj "/CN=parley bench CA" 2>/dev/null
openssl req "${newkey[@]}" -keyout "$WORK/server.key" -out "$WORK/server.csr" \
  -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$WORK/san.ext"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
  -CAcreateserial -days 2 -extfile "$WORK/san.ext" -out "$WORK/server.pem" 2>/dev/null

mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT/commands.txt" "$OUT/summary.txt"

start_parleyd() {  # start_parleyd [--tls-cert ... --tls-key ...]
  rm -rf "$WORK/data"
  : >"$WORK/parleyd.out"
  "$PARLEYD" --data-dir "$WORK/data" --tcp-listen 127.0.0.1:0 --ws-listen 127.0.0.1:0 \
    --jwt-secret "$SECRET" --password-cost min --chat-rate 0 --auth-rate 0 --max-connections-per-ip 0 --log-level warn "$@" \
    >"$WORK/parleyd.out" 2>>"$WORK/parleyd.err" &
  SERVER_PID=$!
  for _ in $(seq 200); do
    TCP_PORT=$(sed -n 's/^listening tcp .*:\([0-9]*\)$/\1/p' "$WORK/parleyd.out")
    WS_PORT=$(sed -n 's/^listening ws .*:\([0-9]*\)$/\1/p' "$WORK/parleyd.out")
    [[ -n "$TCP_PORT" && -n "$WS_PORT" ]] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "bench: parleyd did not start:" >&2; cat "$WORK/parleyd.err" >&2; exit 1
}

# run NAME plain|tls ARGS...: a fresh parleyd, one scenario.
run() {
  local name=$1 security=$2; shift 2
  local server_args=() tls_args=()
  if [[ $security == tls ]]; then
    server_args=(--tls-cert "$WORK/server.pem" --tls-key "$WORK/server.key")
    tls_args=(--tls --ca "$WORK/ca.pem")
  fi
  start_parleyd "${server_args[@]}"
  local args=(--jwt-secret "$SECRET" --tcp-port "$TCP_PORT" --ws-port "$WS_PORT" --threads 2
              --json "$OUT/$name.json" "${tls_args[@]}" "${@//__SERVER_PID__/$SERVER_PID}")
  echo "parley-bench ${args[*]}" | sed "s/$SECRET/\$SECRET/; s#$WORK#\$TMP#g; s#$ROOT/##g; s/--tcp-port $TCP_PORT/--tcp-port \$TCP_PORT/; s/--ws-port $WS_PORT/--ws-port \$WS_PORT/; s/--server-pid $SERVER_PID/--server-pid \$PARLEYD_PID/" >>"$OUT/commands.txt"
  "$BENCH" "${args[@]}" | tee -a "$OUT/summary.txt" || echo "bench: scenario $name failed" >&2
  stop_pid "$SERVER_PID"; SERVER_PID=""
}

for security in plain tls; do
  run "serial_$security" "$security" --scenario serial --transport tcp --messages "$SERIAL_N"
  run "connect_$security" "$security" --scenario connect --transport tcp --connections "$CONNECT_N" \
    --hold 5 --server-pid __SERVER_PID__
  sleep 3  # the kernel tears down the closed sockets
  run "connect_ws_$security" "$security" --scenario connect --transport ws \
    --connections "$CONNECT_N" --hold 5 --server-pid __SERVER_PID__
  sleep 3
  run "chat_$security" "$security" --scenario chat --transport tcp --pairs "$PAIRS" --window 1 \
    --size 200 --duration "$DUR" --warmup 2 --server-pid __SERVER_PID__
done
echo "results in ${OUT#$ROOT/}"
