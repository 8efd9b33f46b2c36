#!/usr/bin/env bash
# Runs the README's server API example ("Running it for a product", the
# block after <!-- readme-test: product-api -->) exactly as written, against
# a fresh parleyd on free loopback ports, and checks what it printed: the
# copy-paste examples a team starts from keep working.
#
# usage: product_api_test.sh PARLEYD README
set -euo pipefail
parleyd=$1
readme=$2

block=$(awk '/<!-- readme-test: product-api -->/ {found=1; next}
             found && /^```sh$/ {inside=1; next}
             inside && /^```$/ {exit}
             inside {print}' "$readme")
[[ -n "$block" ]] || { echo "FAIL: no product-api block in $readme"; exit 1; }

dir=$(mktemp -d)
pid=
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ws_port=$(free_port)
tcp_port=$(free_port)
export PARLEY_API_KEY="readme-test-key-0123456789-0123456789"
export PARLEY_URL="http://127.0.0.1:$ws_port"
"$parleyd" --data-dir "$dir/data" --ws-listen "127.0.0.1:$ws_port" --tcp-listen "127.0.0.1:$tcp_port" \
  --api-key "$PARLEY_API_KEY" --password-cost min >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "$PARLEY_URL/healthz" && break
  sleep 0.1
done

out=$(bash -euo pipefail -c "$block") || { echo "FAIL: the block failed:"; echo "$out"; cat "$dir/log"; exit 1; }
echo "$out"
expect() {
  grep -qF -- "$1" <<<"$out" || { echo "FAIL: expected in the output: $1"; exit 1; }
}
expect '"token":"'
expect '"conversation_id":"group_team"'
expect '"added":["support-bot"]'
expect '"msg_id":"welcome-1"'
expect '"group_id":"team"'
expect '"online":false'
expect '"banned":true'
expect '"banned":false'
echo "PASS"
