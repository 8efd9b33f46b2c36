#!/usr/bin/env bash
# make bench-spread [RUNS=3]: bench/run.sh RUNS times, one after the other.
# Each run's files go to bench/results/<date>/runs/<i>/; the last run's
# report is copied to bench/results/<date>/ (where README links), and
# spread.md there lists every run's headline figures with their median
# (bench/spread.py). On this kind of VM one run is a sample: runs spread by
# 20-30%, so a verdict on a target should rest on the median.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-3}
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "bench/repeat.sh: RUNS must be a positive integer" >&2; exit 2; }
OUT="$ROOT/bench/results/$(date +%F)"
rm -rf "$OUT/runs"
for i in $(seq "$RUNS"); do
  echo "bench: run $i of $RUNS"
  BENCH_OUT="$OUT/runs/$i" bash "$ROOT/bench/run.sh"
done
cp -r "$OUT/runs/$RUNS/." "$OUT/"
runs=()
for i in $(seq "$RUNS"); do runs+=("$OUT/runs/$i"); done
python3 "$ROOT/bench/spread.py" "$OUT/spread.md" "${runs[@]}"
echo "bench: $RUNS runs; spread in ${OUT#$ROOT/}/spread.md, the last run's report in ${OUT#$ROOT/}/report.md"
