#!/usr/bin/env bash
# Runs fuzz harnesses (docs/fuzzing.md), one after the other, one process
# each: run.sh BUILD_DIR SECONDS [NAME...] (no NAME: every *_fuzzer built).
# Each reads its seeds from fuzz/corpus/NAME (never written) and keeps what
# it finds in BUILD_DIR/fuzz-corpus/NAME, which later runs start from too;
# a crashing input lands in BUILD_DIR/fuzz-artifacts/NAME/. Exits non-zero
# when any harness failed.
set -uo pipefail
build=$(cd "$1" && pwd)
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for binary in "$build"/fuzz/*_fuzzer; do
    name=$(basename "$binary")
    names+=("${name%_fuzzer}")
  done
fi

failed=()
for name in "${names[@]}"; do
  binary="$build/fuzz/${name}_fuzzer"
  scratch="$build/fuzz-corpus/$name"
  artifacts="$build/fuzz-artifacts/$name"
  mkdir -p "$scratch" "$artifacts"
  flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
         -artifact_prefix="$artifacts/")
  if [ -f "$here/dict/$name.dict" ]; then flags+=(-dict="$here/dict/$name.dict"); fi
  log="$build/fuzz-artifacts/$name.log"
  echo "== $name: ${seconds}s"
  # The scratch dir first: libFuzzer writes new inputs into the first dir.
  "$binary" "${flags[@]}" "$scratch" "$here/corpus/$name" >"$log" 2>&1
  status=$?
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^#[0-9]+.*DONE' "$log" |
    tr '\n' ' '
  echo
  if [ $status -ne 0 ]; then
    failed+=("$name")
    tail -n 40 "$log"
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: failed: ${failed[*]} (inputs in $build/fuzz-artifacts/)" >&2
  exit 1
fi
