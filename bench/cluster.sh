#!/usr/bin/env bash
# make bench-cluster: cross-gateway 1:1 chat on a three-gateway cluster
# (README "Cluster mode"). Starts redis-server + mariadbd + parleyd gw1..gw3
# through scripts/cluster.sh (its own temp CLUSTER_DIR and free ports, so a
# running `make cluster` is untouched), runs parley-bench's chat scenario with
# every sender on gateway i and its receiver on gateway i+1 (closed loop, then
# open loop at half the closed-loop rate for latency) and writes
# bench/results/<YYYY-MM-DD>/cluster.md (+ cluster/*.json).
#
#   bash bench/cluster.sh            # 100 pairs, 15 s per run (about 1.5 minutes)
#   bash bench/cluster.sh --quick    # tiny sizes, to check the pipeline
# env: BUILD_DIR (build-bench), BENCH_OUT, CLUSTER_PAIRS, CLUSTER_DURATION,
#      CLUSTER_RATE (open-loop msg/s; default: 1/4 and 1/2 of the closed-loop acked/s),
#      BENCH_SKIP_BUILD=1, BENCH_COMMIT (the commit BUILD_DIR was built from,
#      when it is a clean export rather than this tree)
#
# Everything it starts is stopped on exit, even on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-build-bench}
case "$BUILD_DIR" in /*) BUILD="$BUILD_DIR" ;; *) BUILD="$ROOT/$BUILD_DIR" ;; esac
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
DATE=$(date +%F)
OUT=${BENCH_OUT:-$ROOT/bench/results/$DATE}
JSON_DIR=$OUT/cluster  # a subdirectory: bench/run.sh clears $OUT/*.json
WORK=$(mktemp -d /tmp/parley-cbench-XXXXXX)
export CLUSTER_DIR=$WORK/cluster BUILD_DIR=$BUILD GATEWAYS=3
STARTED=0

cleanup() {
  if [[ $STARTED == 1 ]]; then bash "$ROOT/scripts/cluster.sh" stop >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j "$(nproc)" --target parleyd parley-bench
fi
BENCH="$BUILD/tools/bench/parley-bench"

if [[ $QUICK == 1 ]]; then PAIRS=${CLUSTER_PAIRS:-10}; DUR=${CLUSTER_DURATION:-2}; WARM=0.5
else PAIRS=${CLUSTER_PAIRS:-100}; DUR=${CLUSTER_DURATION:-15}; WARM=3; fi
THREADS=2  # load-generator threads (the machine has 2 cores, shared with everything)

# Free ports: Redis, MariaDB, and bases with base+1..base+3 free for tcp and ws.
read -r REDIS_PORT MYSQL_PORT TCP_BASE WS_BASE < <(python3 - <<'PY'
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
picked = []
while len(picked) < 4:
    base = random.randrange(20000, 60000, 10)
    span = [base] if len(picked) < 2 else [base + 1, base + 2, base + 3]
    if all(free(p) for p in span) and not any(abs(base - q) < 10 for q in picked):
        picked.append(base)
print(*picked)
PY
)
export REDIS_PORT MYSQL_PORT TCP_BASE WS_BASE
# One secret for every gateway: scripts/cluster.sh uses $CLUSTER_DIR/jwt_secret.
SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "$CLUSTER_DIR" "$JSON_DIR"
(umask 077 && printf '%s' "$SECRET" >"$CLUSTER_DIR/jwt_secret")
export PARLEYD_FLAGS="--password-cost min --chat-rate 0 --auth-rate 0 --max-connections-per-ip 0 --log-level warn"

TCP_PORTS="$((TCP_BASE + 1)),$((TCP_BASE + 2)),$((TCP_BASE + 3))"
WS_PORTS="$((WS_BASE + 1)),$((WS_BASE + 2)),$((WS_BASE + 3))"
rm -f "$JSON_DIR"/*.json "$JSON_DIR/commands.txt"

STARTED=1
UPTIME_START=$(uptime)
# The tree as of the start (someone may commit while it runs); BENCH_COMMIT
# names the commit when BUILD_DIR was built from a clean export of it.
COMMIT=${BENCH_COMMIT:-$(git -C "$ROOT" rev-parse --short HEAD)}
DIRTY=0
[[ -n "${BENCH_COMMIT:-}" ]] || DIRTY=$(git -C "$ROOT" status --porcelain --untracked-files=no | wc -l)
bash "$ROOT/scripts/cluster.sh" start | grep -v '^  ' || true
for n in 1 2 3; do
  [[ -s "$CLUSTER_DIR/pids/gw$n.pid" ]] || { echo "bench-cluster: the cluster did not start" >&2; exit 1; }
done

cpu_seconds() {  # utime + stime of a process, in seconds
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}
cpu_all() {  # {"gw1":s,...,"redis":s,"mysql":s}
  local sep="" name
  printf '{'
  for name in gw1 gw2 gw3 redis mysql; do
    printf '%s"%s":%s' "$sep" "$name" "$(cpu_seconds "$(cat "$CLUSTER_DIR/pids/$name.pid")")"
    sep=,
  done
  printf '}'
}

echo "CLUSTER_DIR=\$TMP TCP_BASE=\$TCP_BASE WS_BASE=\$WS_BASE REDIS_PORT=\$REDIS_PORT MYSQL_PORT=\$MYSQL_PORT GATEWAYS=3 PARLEYD_FLAGS=\"$PARLEYD_FLAGS\" scripts/cluster.sh start   # \$TMP/jwt_secret = \$SECRET, written first" >>"$JSON_DIR/commands.txt"

# run NAME ARGS...: one cross-gateway chat run, its JSON and the processes' CPU.
run() {
  local name=$1; shift
  local args=(--scenario chat --transport tcp --tcp-ports "$TCP_PORTS" --ws-ports "$WS_PORTS"
              --jwt-secret "$SECRET" --threads "$THREADS" --pairs "$PAIRS" --size 200
              --duration "$DUR" --warmup "$WARM" "$@" --json "$JSON_DIR/$name.json")
  echo "parley-bench ${args[*]}" | sed "s/$SECRET/\$SECRET/; s/$TCP_PORTS/\$GW1_TCP,\$GW2_TCP,\$GW3_TCP/; s/$WS_PORTS/\$GW1_WS,\$GW2_WS,\$GW3_WS/; s#$ROOT/##" >>"$JSON_DIR/commands.txt"
  local load0 load1 cpu0 cpu1 rc=0
  load0=$(cut -d' ' -f1-3 /proc/loadavg); cpu0=$(cpu_all)
  "$BENCH" "${args[@]}" || rc=$?
  load1=$(cut -d' ' -f1-3 /proc/loadavg); cpu1=$(cpu_all)
  printf '{"loadavg_before":"%s","loadavg_after":"%s","cpu_before":%s,"cpu_after":%s,"exit":%d}\n' \
    "$load0" "$load1" "$cpu0" "$cpu1" "$rc" >"$JSON_DIR/server_$name.json"
  [[ $rc == 0 ]] || echo "bench-cluster: $name exited $rc" >&2
  return 0
}

SECONDS=0
run closed --window 1
# Open loop for latency: a quarter and half of the closed-loop acked rate
# (rounded down to 100 msg/s), or CLUSTER_RATE.
CLOSED_RATE=$(python3 -c "import json; print(json.load(open('$JSON_DIR/closed.json'))['results']['acked_per_s'])" 2>/dev/null || echo 4000)
rate_of() { python3 -c "print(max(100, int($CLOSED_RATE * $1 / 100) * 100))"; }
if [[ -n "${CLUSTER_RATE:-}" ]]; then RATES=$CLUSTER_RATE; else RATES="$(rate_of 0.25) $(rate_of 0.5)"; fi
for RATE in $RATES; do run "open_$RATE" --rate "$RATE"; done
RATE=${RATES// /,}
TOTAL=$SECONDS

# Versions, then stop the cluster before writing (the trap would too).
REDIS_VERSION=$(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')
MARIADB_VERSION=$(mariadbd --version | sed -n 's/.*Ver \([^ ]*\).*/\1/p')
MYSQL_FLUSH=$(mariadb --no-defaults -uroot --socket="$CLUSTER_DIR/mysql/mysqld.sock" -N -e \
  "SELECT CONCAT(@@innodb_flush_log_at_trx_commit, ' ', @@log_bin, ' ', @@sync_binlog)" 2>/dev/null || echo "? ? ?")
bash "$ROOT/scripts/cluster.sh" stop >/dev/null 2>&1 || true
STARTED=0

# The report (a quoted heredoc: nothing in it is expanded by the shell).
export DATE ROOT COMMIT DIRTY UPTIME_START REDIS_VERSION MARIADB_VERSION MYSQL_FLUSH QUICK PAIRS DUR RATE TOTAL BUILD
python3 - "$OUT" <<'PY'
import json, os, platform, subprocess, sys
out = sys.argv[1]
jd = os.path.join(out, "cluster")
E = os.environ
def sh(c):
    return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
def load(name):
    try:
        with open(os.path.join(jd, name + ".json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
flush = E["MYSQL_FLUSH"].split()
meta = {
  "date": E["DATE"],
  "cpu": sh("lscpu | sed -n 's/^Model name: *//p'"),
  "cores": os.cpu_count(),
  "kernel": platform.release(),
  "memory": sh("free -h | awk '/^Mem:/{print $2}'"),
  "commit": E["COMMIT"],
  "dirty": E["DIRTY"].strip(),
  "uptime_start": E["UPTIME_START"],
  "uptime_end": sh("uptime"),
  "redis": E["REDIS_VERSION"], "mariadb": E["MARIADB_VERSION"],
  "innodb_flush_log_at_trx_commit": flush[0] if flush else "?",
  "log_bin": flush[1] if len(flush) > 1 else "?",
  "quick": int(E["QUICK"]), "pairs": int(E["PAIRS"]), "duration": float(E["DUR"]), "rates": [int(x) for x in E["RATE"].split(",")],
  "total_seconds": int(E["TOTAL"]),
  "build": "Release (-O2), " + os.path.basename(E["BUILD"]),
}
json.dump(meta, open(os.path.join(jd, "meta.json"), "w"), indent=1)

def lat(h):
    return "/".join("%.3f" % h.get(k, float("nan")) for k in ("p50_ms", "p90_ms", "p99_ms", "p999_ms"))
rows = []
runs = [("closed", "closed loop, window 1 per sender")]
runs += [("open_%d" % r, "open loop at %s msg/s total" % f"{r:,}") for r in meta["rates"]]
for name, what in runs:
    d, s = load(name), load("server_" + name)
    if d is None or s is None:
        rows.append("| %s | failed (see the run's stderr) | | | | | |" % what)
        continue
    r = d["results"]
    cpu = " ".join("%s %.1f" % (k, s["cpu_after"][k] - s["cpu_before"][k]) for k in s["cpu_after"])
    rows.append("| %s | acked %s/s, delivered %s/s | %s | %s | %d (closed conns %d) | %s | %s → %s |" % (
        what, f"{r['acked_per_s']:,.0f}", f"{r['delivered_per_s']:,.0f}",
        lat(r["ack_latency"]), lat(r["delivery_latency"]), r["errors"], r.get("closed_connections", 0),
        cpu, s["loadavg_before"], s["loadavg_after"]))
cmds = open(os.path.join(jd, "commands.txt")).read().strip()
md = f"""# Parley cluster benchmark — {meta['date']}

Cross-gateway 1:1 chat on a three-gateway cluster (README "Cluster mode"):
{meta['pairs']} sender → receiver pairs, 200-byte messages, every sender on
gateway *i* and its receiver on gateway *i+1 mod 3*, so every message is
stored through one gateway and pushed to its recipient by another over Redis
pub/sub. `make bench-cluster` (`bench/cluster.sh`) produced this file.

## Machine and build

- CPU: {meta['cpu']} — {meta['cores']} cores; memory {meta['memory']}; kernel {meta['kernel']}
- Commit: `{meta['commit']}`{' (plus %s files with uncommitted changes in the tree at run time)' % meta['dirty'] if meta['dirty'] not in ('', '0') else ''}
- Build: {meta['build']}; three parleyd gateways (`--threads` = cores each), redis-server {meta['redis']} (AOF, `appendfsync everysec`), MariaDB {meta['mariadb']} (`innodb_flush_log_at_trx_commit={meta['innodb_flush_log_at_trx_commit']}`, binlog {'on' if meta['log_bin'] == '1' else 'off'}), all on loopback
- Everything — 3 gateways, Redis, MariaDB and the load generator (`parley-bench`, 2 threads) — shares the same 2 cores, with other people's builds: figures are the whole cluster's throughput on 2 cores, not one gateway's.
- Load at start: `{meta['uptime_start'].strip()}`
- Load at end: `{meta['uptime_end'].strip()}`
- Total run time: {meta['total_seconds']} s (after the cluster started)

## Figures

Latencies in ms as p50/p90/p99/p99.9 (log-linear histogram, < 1% bucket error). Ack latency: CHAT sent → its ack on the sender's gateway. Delivery latency: CHAT sent → PUSH received by the recipient on the next gateway. In open loop latency counts from the scheduled send time (no coordinated omission). CPU: seconds each process used during the run (warm-up included).

| run | throughput | ack latency ms | delivery latency ms | errors | CPU s | load avg (1/5/15 min) before → after |
|---|---|---|---|---|---|---|
""" + "\n".join(rows) + f"""

## What an ack means here

- **Ack** (CHAT response with its `seq`): one Redis round trip assigned the seq, wrote the recipient's inbox entry and the pending idempotency entry, then the message row went into MariaDB in a group-commit transaction; the gateway answers only after that `COMMIT` returned. With `innodb_flush_log_at_trx_commit={meta['innodb_flush_log_at_trx_commit']}` the InnoDB redo log is fsync'd at every commit, so an acked message survives a crash of any process or of the machine (MariaDB is the truth; Redis is re-seeded from it).
- **Delivery** (PUSH): best effort across gateways — the sender's gateway `PUBLISH`es to the recipient gateway's channel `im:gw:ID`; a push lost there is recovered by the client through SYNC/PULL. The push goes out after the commit, so a delivered message is also durable.
- Redis (AOF, fsync every second) holds the seq counters, inboxes and presence; losing its last second is repaired from MariaDB.

## Exact commands

```
make bench-cluster        # = bash bench/cluster.sh
{cmds}
```

Gateway ports are picked free at run time (`$GWn_TCP` = TCP_BASE+n, `$GWn_WS` = WS_BASE+n); registration goes to the first gateway's HTTP port (users and the JWT secret are shared by the cluster). The JSON of each run is in `cluster/` next to this file.
"""
open(os.path.join(out, "cluster.md"), "w").write(md)
PY
echo "bench-cluster: report in ${OUT#$ROOT/}/cluster.md (${TOTAL} s)"
