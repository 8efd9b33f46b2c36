#!/bin/bash
# bench/half_load.sh: where the ack latency at half load comes from
# (bench/README.md "Latency at half load"). Closed loop for the rate (unless
# RATE=), then the open loop at half of it, with the server's own histograms
# (/metrics before and after: dispatcher-to-ack, store commit) and, 6 s in,
# `perf sched record` of 4 s (TRACE=1: `perf trace -s` of parleyd instead).
# Needs perf (linux-perf). B= build dir, PARLEYD= another parleyd binary.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$ROOT/build}
PARLEYD=${PARLEYD:-$B/src/app/parleyd}; BENCH=$B/tools/bench/parley-bench
W=$(mktemp -d); SECRET=benchsecretbenchsecretbenchsecret12
OUT=${OUT:-$ROOT/bench/results/$(date +%F)/half_load-$(date +%H%M%S)}; mkdir -p "$OUT"
ulimit -n 20000
"$PARLEYD" --data-dir "$W/data" --tcp-listen 127.0.0.1:0 --ws-listen 127.0.0.1:0 --jwt-secret "$SECRET" \
  --password-cost min --chat-rate 0 --auth-rate 0 --max-connections-per-ip 0 --log-level warn ${EXTRA:-} >"$W/out" 2>"$W/err" &
PID=$!
for _ in $(seq 200); do
  TCP=$(sed -n 's/^listening tcp .*:\([0-9]*\)$/\1/p' "$W/out"); WS=$(sed -n 's/^listening ws .*:\([0-9]*\)$/\1/p' "$W/out")
  [[ -n "$TCP" && -n "$WS" ]] && break; sleep 0.05; done
common=(--jwt-secret "$SECRET" --tcp-port "$TCP" --ws-port "$WS" --threads 2 --scenario chat --transport tcp --pairs 200 --size 200 --server-pid $PID)
RATE=${RATE:-}
if [[ -z "$RATE" ]]; then
  "$BENCH" "${common[@]}" --window 1 --duration 10 --warmup 3 --json "$OUT/closed.json" | tail -1
  RATE=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["results"]["acked_per_s"]/2))' "$OUT/closed.json")
fi
echo "half rate $RATE"
curl -s "http://127.0.0.1:$WS/metrics" > "$OUT/metrics0.txt"
( sleep 6; if [[ -n "${TRACE:-}" ]]; then perf trace -p $PID -s --duration 2 -o "$OUT/trace.txt" -- sleep 5 >/dev/null 2>&1; else perf sched record -a -o "$OUT/sched.data" -- sleep 4 >/dev/null 2>&1; fi ) & PERF=$!
"$BENCH" "${common[@]}" --rate "$RATE" --duration 15 --warmup 3 --json "$OUT/half.json" | tail -1
wait $PERF
curl -s "http://127.0.0.1:$WS/metrics" > "$OUT/metrics1.txt"
kill $PID; wait $PID || true; rm -rf "$W"
grep -E "chat_ack_seconds_bucket|store_commit_seconds_bucket" "$OUT/metrics1.txt" > "$OUT/b1"; grep -E "chat_ack_seconds_bucket|store_commit_seconds_bucket" "$OUT/metrics0.txt" > "$OUT/b0"
paste "$OUT/b0" "$OUT/b1" | awk '{split($1,a,"{"); print a[1], $1, $4-$2}' | sed 's/^[^ ]* //' > "$OUT/hist_diff.txt"
perf sched latency -i "$OUT/sched.data" --sort max 2>/dev/null | head -25 > "$OUT/sched_latency.txt"
echo "$OUT"
