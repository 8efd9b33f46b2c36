#!/usr/bin/env bash
# make bench-profile: where a durable 1:1 message's server CPU goes, stage by
# stage. A fresh parleyd (embedded store, full durability) under the `chat`
# workload of `make bench` (200 pairs, closed loop, window 1, 200 bytes);
# `perf record` samples parleyd's threads for 8 s of the steady state, and
# bench/stages.py sorts the samples into stages by the frames on their stack
# (docs in bench/README.md "Where a message's server CPU goes").
#
#   bash bench/profile.sh   # the table, also in $OUT/stages.md; $OUT (ignored by
#                           # git) keeps perf.data and chat.json
#
# Needs perf (Debian: linux-perf) and kernel.perf_event_paranoid <= 2 for a
# process of one's own (root always can).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-build-bench}
case "$BUILD_DIR" in /*) BUILD="$BUILD_DIR" ;; *) BUILD="$ROOT/$BUILD_DIR" ;; esac
OUT=${PROFILE_OUT:-$ROOT/bench/results/$(date +%F)-profile}
command -v perf >/dev/null || { echo "bench/profile.sh: perf is missing (apt-get install linux-perf)" >&2; exit 2; }
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j "$(nproc)" --target parleyd parley-bench
fi
WORK=$(mktemp -d /tmp/parley-profile-XXXXXX)
SERVER_PID=""
cleanup() {
  [[ -n "$SERVER_PID" ]] && { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$OUT"

SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
"$BUILD/src/app/parleyd" --data-dir "$WORK/data" --tcp-listen 127.0.0.1:0 --ws-listen 127.0.0.1:0 \
  --jwt-secret "$SECRET" --password-cost min --chat-rate 0 --auth-rate 0 --max-connections-per-ip 0 \
  --log-level warn >"$WORK/parleyd.out" 2>"$WORK/parleyd.err" &
SERVER_PID=$!
for _ in $(seq 200); do
  TCP_PORT=$(sed -n 's/^listening tcp .*:\([0-9]*\)$/\1/p' "$WORK/parleyd.out")
  WS_PORT=$(sed -n 's/^listening ws .*:\([0-9]*\)$/\1/p' "$WORK/parleyd.out")
  [[ -n "$TCP_PORT" && -n "$WS_PORT" ]] && break
  sleep 0.05
done
[[ -n "${TCP_PORT:-}" ]] || { echo "bench/profile.sh: parleyd did not start" >&2; cat "$WORK/parleyd.err" >&2; exit 1; }

# Samples from 6 s in (users registered, the 3 s warm-up over) for 8 s.
( sleep 6; perf record -F 1999 -g --call-graph dwarf,16384 -p "$SERVER_PID" -o "$OUT/perf.data" \
    -- sleep 8 >/dev/null 2>&1 ) &
PERF_JOB=$!
"$BUILD/tools/bench/parley-bench" --jwt-secret "$SECRET" --tcp-port "$TCP_PORT" --ws-port "$WS_PORT" \
  --threads 2 --scenario chat --transport tcp --pairs 200 --window 1 --size 200 --duration 15 \
  --warmup 3 --server-pid "$SERVER_PID" --json "$OUT/chat.json"
wait "$PERF_JOB"
perf script -i "$OUT/perf.data" -F comm,tid,ip,sym --no-inline 2>/dev/null >"$WORK/stacks.txt"
python3 "$ROOT/bench/stages.py" "$WORK/stacks.txt" "$OUT/chat.json" | tee "$OUT/stages.md"
