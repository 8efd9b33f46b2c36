#!/usr/bin/env bash
# Smoke run of parley-bench's XMPP scenarios against each IM peer of
# `make bench` (bench/peers/), at a tiny size: each must exit 0 and write its
# JSON with acked messages or ready sessions. Skipped (77) where ejabberd and
# Prosody are not installed (bench/peers/install.sh; CI does not install them).
#
#   xmpp_bench_smoke_test.sh PARLEY_BENCH BENCH_PEERS_DIR
set -euo pipefail
BENCH=$1
source "$2/peers.sh"

ran=0
PEER_PID=""
PEER_DIR=""
cleanup() {
  [[ -n "$PEER_PID" ]] && { kill "$PEER_PID" 2>/dev/null; wait "$PEER_PID" 2>/dev/null || true; }
  [[ -n "$PEER_DIR" ]] && rm -rf "$PEER_DIR"
  return 0
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# check CONFIG SCENARIO_ARGS...: a fresh server, one scenario, its JSON checked.
check() {
  local config=$1; shift
  local port json
  port=$(free_port)
  json=$(mktemp /tmp/xmpp-smoke-XXXXXX.json)
  start_peer "$config" "$port" localhost
  "$BENCH" --xmpp-port "$port" --threads 2 --server-pid "$PEER_PID" --json "$json" "$@"
  python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
ok = r.get("acked", 0) > 0 and r.get("delivered", 0) > 0 and "server_user" in r["cpu_us_per_message"] \
    if "acked" in r else r["connections"] > 0 and r["failed"] == 0
sys.exit(0 if ok else f"unexpected results: {r}")
PY
  rm -f "$json"
  cleanup
  PEER_PID=""; PEER_DIR=""
  echo "ok: $config $*"
}

for server in ejabberd prosody; do
  dpkg-query -W -f='${Status}' "$server" 2>/dev/null | grep -q "install ok installed" || continue
  ran=1
  check "$server" --scenario xmpp-chat --pairs 4 --duration 0.5 --warmup 0.2
  check "$server-mam" --scenario xmpp-chat --pairs 4 --duration 0.5 --warmup 0.2
  check "$server" --scenario xmpp-connect --connections 20 --hold 0.2
done
if [[ $ran == 0 ]]; then
  echo "skipped: neither ejabberd nor prosody is installed (bench/peers/install.sh)"
  exit 77
fi
