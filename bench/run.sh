#!/usr/bin/env bash
# make bench: builds Release, runs every parley-bench scenario against a fresh
# parleyd (embedded store, full durability: every ack follows a synced WAL
# write), runs the same 1:1 workload against Mosquitto and against the IM
# servers a team would run instead (ejabberd and Prosody, each without and
# with a message archive; bench/peers/), and writes
# bench/results/<YYYY-MM-DD>/report.md with latency.png.
#
#   bash bench/run.sh              # full sizes (< 10 minutes on 2 cores)
#   bash bench/run.sh --quick      # tiny sizes, to check the pipeline
#   bash bench/run.sh --no-peers   # without ejabberd and Prosody (nothing installed)
#
# The IM peers come from Debian's packages, installed on first use by
# bench/peers/install.sh (not by scripts/bootstrap: CI does not need them).
# Everything it starts (parleyd, mosquitto, ejabberd, prosody) is stopped on
# exit, even on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-build-bench}
case "$BUILD_DIR" in /*) BUILD="$BUILD_DIR" ;; *) BUILD="$ROOT/$BUILD_DIR" ;; esac
QUICK=0
PEERS=1
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    --no-peers) PEERS=0 ;;
    *) echo "usage: bench/run.sh [--quick] [--no-peers]" >&2; exit 2 ;;
  esac
done
DATE=$(date +%F)
# A quick run (tiny sizes, a check that the pipeline works) never replaces
# the day's real report.
if [[ $QUICK == 1 ]]; then OUT=${BENCH_OUT:-$ROOT/bench/results/$DATE-quick}; else OUT=${BENCH_OUT:-$ROOT/bench/results/$DATE}; fi
WORK=$(mktemp -d /tmp/parley-bench-XXXXXX)
SERVER_PID=""
MOSQ_PID=""
PEER_PID=""
PEER_DIR=""

stop_pid() {  # SIGTERM, then SIGKILL after 20 s
  local pid=$1
  [[ -z "$pid" ]] && return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop_pid "$SERVER_PID"; SERVER_PID=""
  stop_pid "$MOSQ_PID"; MOSQ_PID=""
  stop_pid "$PEER_PID"; PEER_PID=""
  [[ -n "$PEER_DIR" ]] && rm -rf "$PEER_DIR"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j "$(nproc)" --target parleyd parley-bench
fi
PARLEYD="$BUILD/src/app/parleyd"
BENCH="$BUILD/tools/bench/parley-bench"
SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')

mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT/commands.txt"
THREADS=2  # load-generator threads (the machine has 2 cores, shared with parleyd)

# PEER_CONNECT_N: idle sessions per IM peer (and Parley TCP connections to
# compare with); Prosody logs in ~100 sessions/s here (PBKDF2 per login).
if [[ $QUICK == 1 ]]; then
  CONNECT_N=200; PAIRS=10; DUR=2; WARM=0.5; RATE=2000; MEMBERS=20; SYNC_N=2000; SYNC_C=4; SERIAL_N=200
  PEER_CONNECT_N=200
else
  CONNECT_N=16000; PAIRS=200; DUR=15; WARM=3; RATE=50000; MEMBERS=500; SYNC_N=100000; SYNC_C=20; SERIAL_N=5000
  PEER_CONNECT_N=2000
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_seconds() {  # utime + stime of a process, in seconds
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"
}

start_parleyd() {
  rm -rf "$WORK/data"
  "$PARLEYD" --data-dir "$WORK/data" --tcp-listen 127.0.0.1:0 --ws-listen 127.0.0.1:0 \
    --jwt-secret "$SECRET" --password-cost min --chat-rate 0 --auth-rate 0 --max-connections-per-ip 0 --log-level warn \
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

# run_parley NAME ARGS...: a fresh parleyd, one scenario, its JSON and the
# server's CPU seconds (server_<NAME>.json).
run_parley() {
  local name=$1; shift
  start_parleyd
  local args=(--jwt-secret "$SECRET" --tcp-port "$TCP_PORT" --ws-port "$WS_PORT" --threads "$THREADS"
              --json "$OUT/$name.json" "${@//__SERVER_PID__/$SERVER_PID}")
  echo "parley-bench ${args[*]}" | sed "s/$SECRET/\$SECRET/; s/--tcp-port $TCP_PORT/--tcp-port \$TCP_PORT/; s/--ws-port $WS_PORT/--ws-port \$WS_PORT/; s/--server-pid $SERVER_PID/--server-pid \$PARLEYD_PID/" >>"$OUT/commands.txt"
  local load0 load1 rc=0
  load0=$(cut -d' ' -f1 /proc/loadavg)
  "$BENCH" "${args[@]}" || rc=$?
  load1=$(cut -d' ' -f1 /proc/loadavg)
  printf '{"server_cpu_s":%s,"loadavg_before":%s,"loadavg_after":%s,"exit":%d}\n' \
    "$(cpu_seconds "$SERVER_PID")" "$load0" "$load1" "$rc" >"$OUT/server_$name.json"
  stop_pid "$SERVER_PID"; SERVER_PID=""
  [[ $rc == 0 ]] || echo "bench: scenario $name exited $rc" >&2
}

echo "parleyd ${PARLEYD#$ROOT/} --data-dir \$TMP/data --tcp-listen 127.0.0.1:0 --ws-listen 127.0.0.1:0 --jwt-secret \$SECRET --password-cost min --chat-rate 0 --auth-rate 0 --max-connections-per-ip 0 --log-level warn   # fresh for every scenario" >>"$OUT/commands.txt"

SECONDS=0
# 1. One message at a time: send -> ack. First, on a settled machine: it
# measures a fraction of a millisecond.
run_parley serial_tcp --scenario serial --transport tcp --messages "$SERIAL_N"
# 2. Idle WebSocket connections (on a fresh server, for a clean RSS); then a
# pause while the kernel tears down the 16,000 closed sockets.
run_parley connect_ws --scenario connect --transport ws --connections "$CONNECT_N" --hold 5 \
  --max-per-process 15000 --server-pid __SERVER_PID__
[[ $QUICK == 1 ]] || sleep 5
# 3. 1:1 closed loop at max (also the Parley side of the Mosquitto comparison).
# --server-pid: the report splits each message's CPU between the server's
# code, the server's kernel work and the load generator.
run_parley chat_tcp --scenario chat --transport tcp --pairs "$PAIRS" --window 1 --size 200 \
  --duration "$DUR" --warmup "$WARM" --server-pid __SERVER_PID__
run_parley chat_ws --scenario chat --transport ws --pairs "$PAIRS" --window 1 --size 200 \
  --duration "$DUR" --warmup "$WARM" --server-pid __SERVER_PID__
# 3b. The same pairs with the message features in the mix: of every 100
# messages, 10 are reactions to the sender's last text and 1 an image message
# (each sender uploads one small PNG before the window; its image messages
# cite it). Read against chat_tcp from the same run.
run_parley chat_mixed --scenario mixed --transport tcp --pairs "$PAIRS" --window 1 --size 200 \
  --duration "$DUR" --warmup "$WARM" --server-pid __SERVER_PID__
# 4. 1:1 open loop at half the 100,000 msg/s target; then at half of what
# this machine sustained in 3. (the latency a user sees at 50% load).
run_parley chat_tcp_open --scenario chat --transport tcp --pairs "$PAIRS" --rate "$RATE" --size 200 \
  --duration "$DUR" --warmup "$WARM" --server-pid __SERVER_PID__
HALF_RATE=$(python3 -c 'import json,sys; print(max(100, int(json.load(open(sys.argv[1]))["results"]["acked_per_s"] / 2)))' "$OUT/chat_tcp.json" 2>/dev/null || echo 1000)
run_parley chat_tcp_half --scenario chat --transport tcp --pairs "$PAIRS" --rate "$HALF_RATE" --size 200 \
  --duration "$DUR" --warmup "$WARM" --server-pid __SERVER_PID__
# 5. Group fan-out to every online member. Four members send (16 in flight
# each), so the server, not one sender's round trip, sets the rate.
run_parley fanout_tcp --scenario fanout --transport tcp --members "$MEMBERS" --senders 4 --window 16 \
  --size 200 --duration "$DUR" --warmup "$WARM" --server-pid __SERVER_PID__
# 6. A device catching up.
run_parley sync_tcp --scenario sync --transport tcp --messages "$SYNC_N" --conversations "$SYNC_C"

# 7. The peer: the same 1:1 workload against Mosquitto (QoS 1, persistence on).
MQTT_PORT=$(free_port)
mkdir -p "$WORK/mosquitto"
cat >"$WORK/mosquitto/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $WORK/mosquitto/
max_queued_messages 100000
log_dest file $WORK/mosquitto/mosquitto.log
user $(id -un)
CONF
/usr/sbin/mosquitto -c "$WORK/mosquitto/mosquitto.conf" 2>/dev/null &
MOSQ_PID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null && break; sleep 0.05; done
echo "mosquitto -c mosquitto.conf   # listener \$MQTT_PORT 127.0.0.1, allow_anonymous true, persistence true, persistence_location \$TMP, max_queued_messages 100000" >>"$OUT/commands.txt"
echo "parley-bench --scenario mqtt-chat --mqtt-port \$MQTT_PORT --threads $THREADS --pairs $PAIRS --window 1 --size 200 --duration $DUR --warmup $WARM --server-pid \$MOSQUITTO_PID --json $OUT/mqtt_chat.json" | sed "s#$ROOT/##" >>"$OUT/commands.txt"
load0=$(cut -d' ' -f1 /proc/loadavg)
rc=0
"$BENCH" --scenario mqtt-chat --mqtt-port "$MQTT_PORT" --threads "$THREADS" --pairs "$PAIRS" --window 1 \
  --size 200 --duration "$DUR" --warmup "$WARM" --server-pid "$MOSQ_PID" --json "$OUT/mqtt_chat.json" || rc=$?
printf '{"server_cpu_s":%s,"loadavg_before":%s,"loadavg_after":%s,"exit":%d}\n' \
  "$(cpu_seconds "$MOSQ_PID")" "$load0" "$(cut -d' ' -f1 /proc/loadavg)" "$rc" >"$OUT/server_mqtt_chat.json"
MOSQ_VERSION=$( (/usr/sbin/mosquitto -h 2>/dev/null || true) | sed -n "s/^mosquitto version \(.*\)$/\1/p" | head -1)
stop_pid "$MOSQ_PID"; MOSQ_PID=""

# 8. The IM peers (bench/peers/): the same 1:1 workload over XMPP against
# ejabberd and Prosody, each without and with a message archive, each on a
# fresh server; then idle sessions on each (no archive: it changes nothing
# for an idle session), and as many idle Parley TCP connections to compare.
EJABBERD_VERSION=""
PROSODY_VERSION=""
if [[ $PEERS == 1 ]] && ! bash "$ROOT/bench/peers/install.sh"; then
  echo "bench: the IM peers could not be installed; skipping them (--no-peers skips them on purpose)" >&2
  PEERS=0
fi
if [[ $PEERS == 1 ]]; then
  source "$ROOT/bench/peers/peers.sh"
  EJABBERD_VERSION=$(peer_version ejabberd)
  PROSODY_VERSION=$(peer_version prosody)
  # run_peer CONFIG NAME ARGS...: a fresh CONFIG server (bench/peers/peers.sh),
  # one parley-bench scenario against it, its JSON and server_<NAME>.json.
  run_peer() {
    local config=$1 name=$2; shift 2
    local port; port=$(free_port)
    if ! start_peer "$config" "$port" localhost; then
      stop_pid "$PEER_PID"; PEER_PID=""
      rm -rf "$PEER_DIR"; PEER_DIR=""
      return 0  # the report shows the run as missing
    fi
    echo "$config: bench/peers/peers.sh start_peer $config \$XMPP_PORT localhost   # fresh, in a temp dir" >>"$OUT/commands.txt"
    echo "parley-bench --xmpp-port \$XMPP_PORT --xmpp-domain localhost --threads $THREADS --server-pid \$PEER_PID --json $OUT/$name.json $*" | sed "s#$ROOT/##" >>"$OUT/commands.txt"
    local load0 rc=0
    load0=$(cut -d' ' -f1 /proc/loadavg)
    "$BENCH" --xmpp-port "$port" --xmpp-domain localhost --threads "$THREADS" --server-pid "$PEER_PID" \
      --json "$OUT/$name.json" "$@" || rc=$?
    printf '{"server_cpu_s":%s,"loadavg_before":%s,"loadavg_after":%s,"exit":%d}\n' \
      "$(cpu_seconds "$PEER_PID")" "$load0" "$(cut -d' ' -f1 /proc/loadavg)" "$rc" >"$OUT/server_$name.json"
    stop_pid "$PEER_PID"; PEER_PID=""
    rm -rf "$PEER_DIR"; PEER_DIR=""
    [[ $rc == 0 ]] || echo "bench: scenario $name exited $rc" >&2
  }
  CHAT=(--scenario xmpp-chat --pairs "$PAIRS" --window 1 --size 200 --duration "$DUR" --warmup "$WARM")
  run_peer ejabberd xmpp_chat_ejabberd "${CHAT[@]}"
  run_peer ejabberd-mam xmpp_chat_ejabberd_mam "${CHAT[@]}"
  run_peer prosody xmpp_chat_prosody "${CHAT[@]}"
  run_peer prosody-mam xmpp_chat_prosody_mam "${CHAT[@]}"
  IDLE=(--scenario xmpp-connect --connections "$PEER_CONNECT_N" --hold 5)
  run_peer ejabberd xmpp_connect_ejabberd "${IDLE[@]}"
  run_peer prosody xmpp_connect_prosody "${IDLE[@]}"
  run_parley connect_tcp --scenario connect --transport tcp --connections "$PEER_CONNECT_N" --hold 5 \
    --server-pid __SERVER_PID__
fi

# The report.
sed -i "s#$ROOT/##g" "$OUT/commands.txt"
python3 - "$OUT/meta.json" <<PY
import json, os, platform, subprocess, sys
def sh(c):
    return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
json.dump({
  "date": "$DATE",
  "cpu": sh("lscpu | sed -n 's/^Model name: *//p'"),
  "cores": os.cpu_count(),
  "kernel": platform.release(),
  "memory": sh("free -h | awk '/^Mem:/{print \$2}'"),
  "commit": sh("git -C '$ROOT' rev-parse --short HEAD"),
  "dirty": sh("git -C '$ROOT' status --porcelain --untracked-files=no -- . ':!bench/results' | wc -l"),
  "mosquitto": "$MOSQ_VERSION",
  "ejabberd": "$EJABBERD_VERSION",
  "prosody": "$PROSODY_VERSION",
  "quick": $QUICK,
  "total_seconds": $SECONDS,
  "build": "Release (-O2), $(basename "$BUILD")",
}, open(sys.argv[1], "w"), indent=1)
PY
python3 "$ROOT/bench/render_report.py" "$OUT"
echo "bench: report in ${OUT#$ROOT/}/report.md (${SECONDS} s)"
