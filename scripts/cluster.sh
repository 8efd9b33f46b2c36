#!/usr/bin/env bash
# A three-gateway Parley cluster on loopback (README "Cluster mode"):
#   redis-server (AOF on)  127.0.0.1:$REDIS_PORT     $CLUSTER_DIR/redis
#   mariadbd               127.0.0.1:$MYSQL_PORT     $CLUSTER_DIR/mysql
#   parleyd gw1..gw3       tcp 8091-8093, ws 8081-8083, logs in $CLUSTER_DIR/gwN
# Every process gets a pid file in $CLUSTER_DIR/pids; `stop` ends them all
# (gateways first, so they drain and remove their presence while Redis and
# MariaDB are still up). Data survives a stop/start; delete $CLUSTER_DIR to
# start over.
#
# Media live in $CLUSTER_DIR/media, a directory every gateway shares.
#
# MIGRATE_FROM=DATA_DIR: before the gateways start, `parleyctl migrate`
# copies that stopped embedded node (e.g. ./data of `make run`) into Redis
# and MariaDB, with its media, and the cluster takes the node's JWT secret
# so the tokens it issued keep working (docs/operations.md "From one node to
# a cluster"). Running it again catches up with whatever the node stored since.
#
# usage: scripts/cluster.sh start|stop|status
# env:   BUILD_DIR (build), CLUSTER_DIR (./cluster-data), REDIS_PORT (6390),
#        MYSQL_PORT (3390), GATEWAYS (3), TCP_BASE (8090), WS_BASE (8080),
#        PARLEYD_FLAGS (extra flags for every gateway), MIGRATE_FROM
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
CLUSTER_DIR=${CLUSTER_DIR:-./cluster-data}
REDIS_PORT=${REDIS_PORT:-6390}
MYSQL_PORT=${MYSQL_PORT:-3390}
GATEWAYS=${GATEWAYS:-3}
TCP_BASE=${TCP_BASE:-8090}
WS_BASE=${WS_BASE:-8080}
PARLEYD_FLAGS=${PARLEYD_FLAGS:-}
MIGRATE_FROM=${MIGRATE_FROM:-}
MYSQL_USER=parley
MYSQL_PASSWORD=parley-cluster
MYSQL_DB=parley

mkdir -p "$CLUSTER_DIR"
CLUSTER_DIR=$(cd "$CLUSTER_DIR" && pwd)
PIDS=$CLUSTER_DIR/pids
PARLEYD=$BUILD_DIR/src/app/parleyd
PARLEYCTL=$BUILD_DIR/tools/parleyctl
MYSQL_URL=mysql://$MYSQL_USER:$MYSQL_PASSWORD@127.0.0.1:$MYSQL_PORT/$MYSQL_DB
MYSQL_SOCKET=$CLUSTER_DIR/mysql/mysqld.sock

say() { echo "cluster: $*"; }
die() { echo "cluster: $*" >&2; exit 1; }

# alive NAME: the process of pids/NAME.pid runs (a zombie does not: a
# daemonised redis that died may wait for a reaper that never comes).
alive() {
  local pid_file=$PIDS/$1.pid
  [ -f "$pid_file" ] || return 1
  local state
  state=$(ps -o stat= -p "$(cat "$pid_file")" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "${state:0:1}" != Z ]
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.1 s.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local tries=$((seconds * 10))
  while ! "$@" >/dev/null 2>&1; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || return 1
    sleep 0.1
  done
}

# stop_one NAME SECONDS: SIGTERM, wait, SIGKILL as a last resort.
stop_one() {
  local name=$1 seconds=$2 pid_file=$PIDS/$1.pid
  [ -f "$pid_file" ] || return 0
  local pid
  pid=$(cat "$pid_file")
  if alive "$name"; then
    kill -TERM "$pid"
    local tries=$((seconds * 10))
    while alive "$name" && [ "$tries" -gt 0 ]; do
      sleep 0.1
      tries=$((tries - 1))
    done
    if alive "$name"; then
      say "$name did not stop in ${seconds}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    say "stopped $name (pid $pid)"
  fi
  rm -f "$pid_file"
}

# port_busy PORT: something already listens on 127.0.0.1:PORT.
port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# need_free_port PORT WHAT: refuses to start WHAT where another process
# listens (its readiness check would talk to that process instead).
need_free_port() {
  if port_busy "$1"; then die "port $1 for $2 is taken by another process (set its *_PORT/*_BASE)"; fi
}

mysql_root() {
  mariadb --no-defaults -uroot --socket="$MYSQL_SOCKET" "$@"
}

start_redis() {
  if alive redis; then say "redis already running"; return; fi
  need_free_port "$REDIS_PORT" redis
  mkdir -p "$CLUSTER_DIR/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$CLUSTER_DIR/redis" \
    --appendonly yes --appendfsync everysec --daemonize yes \
    --pidfile "$PIDS/redis.pid" --logfile "$CLUSTER_DIR/redis/redis.log"
  wait_for 20 redis redis-cli -p "$REDIS_PORT" ping ||
    die "redis-server did not start; see $CLUSTER_DIR/redis/redis.log"
  wait_for 5 "redis pid file" test -s "$PIDS/redis.pid" ||
    die "redis-server wrote no pid file; see $CLUSTER_DIR/redis/redis.log"
  say "redis on 127.0.0.1:$REDIS_PORT (AOF in $CLUSTER_DIR/redis)"
}

start_mysql() {
  if alive mysql; then say "mariadb already running"; return; fi
  need_free_port "$MYSQL_PORT" mariadb
  local data=$CLUSTER_DIR/mysql/data
  if [ ! -d "$data/mysql" ]; then
    say "initialising a MariaDB data dir (first run)"
    mkdir -p "$CLUSTER_DIR/mysql"
    mariadb-install-db --no-defaults --datadir="$data" --user="$(id -un)" \
      --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
      >"$CLUSTER_DIR/mysql/install.log" 2>&1 ||
      die "mariadb-install-db failed; see $CLUSTER_DIR/mysql/install.log"
  fi
  # mariadbd does not daemonise: run it in the background, its pid file is ours.
  nohup mariadbd --no-defaults --datadir="$data" --socket="$MYSQL_SOCKET" \
    --port="$MYSQL_PORT" --bind-address=127.0.0.1 --skip-networking=0 --skip-name-resolve \
    --pid-file="$PIDS/mysql.pid" --log-error="$CLUSTER_DIR/mysql/error.log" \
    --innodb-buffer-pool-size=128M --user="$(id -un)" \
    >"$CLUSTER_DIR/mysql/stdout.log" 2>&1 &
  local launched=$!
  if ! wait_for 60 mariadb mysql_root -e "SELECT 1"; then
    kill -KILL "$launched" 2>/dev/null || true
    die "mariadbd did not start; see $CLUSTER_DIR/mysql/error.log"
  fi
  echo "$launched" >"$PIDS/mysql.pid"
  mysql_root -e "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DB\` CHARACTER SET utf8mb4;
    CREATE USER IF NOT EXISTS '$MYSQL_USER'@'%' IDENTIFIED BY '$MYSQL_PASSWORD';
    GRANT ALL PRIVILEGES ON \`$MYSQL_DB\`.* TO '$MYSQL_USER'@'%';"
  # The store creates its tables itself at start; applying the operator's
  # copy first makes the schema visible before any gateway runs.
  if [ -f scripts/schema.sql ]; then
    mysql_root "$MYSQL_DB" <scripts/schema.sql || die "scripts/schema.sql failed"
  fi
  say "mariadb on 127.0.0.1:$MYSQL_PORT (data in $data)"
}

start_gateway() {
  local n=$1 name=gw$1
  if alive "$name"; then say "$name already running"; return; fi
  local dir=$CLUSTER_DIR/$name tcp=$((TCP_BASE + n)) ws=$((WS_BASE + n))
  need_free_port "$tcp" "$name (tcp)"
  need_free_port "$ws" "$name (ws)"
  mkdir -p "$dir"
  # Not truncated by the launch below, which runs asynchronously: the
  # readiness check must not find the previous run's line.
  rm -f "$dir/stdout.log"
  # shellcheck disable=SC2086  # PARLEYD_FLAGS is a list of flags
  nohup "$PARLEYD" --gateway-id "$name" --redis "127.0.0.1:$REDIS_PORT" \
    --mysql "$MYSQL_URL" --media-dir "$CLUSTER_DIR/media" \
    --jwt-secret "$(cat "$CLUSTER_DIR/jwt_secret")" --data-dir "$dir" \
    --tcp-listen "127.0.0.1:$tcp" --ws-listen "127.0.0.1:$ws" $PARLEYD_FLAGS \
    >"$dir/stdout.log" 2>"$dir/parleyd.log" &
  echo $! >"$PIDS/$name.pid"
  if ! wait_for 30 "$name" grep -q "listening ws" "$dir/stdout.log"; then
    tail -n 20 "$dir/parleyd.log" >&2 || true
    stop_one "$name" 5
    die "$name did not start; see $dir/parleyd.log"
  fi
  say "$name: tcp 127.0.0.1:$tcp, ws ws://127.0.0.1:$ws/ws (log $dir/parleyd.log)"
}

# The embedded node of MIGRATE_FROM into Redis + MariaDB (gateways stopped).
migrate() {
  [ -n "$MIGRATE_FROM" ] || return 0
  [ -d "$MIGRATE_FROM" ] || die "MIGRATE_FROM=$MIGRATE_FROM is not a directory"
  for n in $(seq 1 "$GATEWAYS"); do
    if alive "gw$n"; then die "stop the gateways before migrating (make cluster-stop)"; fi
  done
  if [ -s "$MIGRATE_FROM/jwt_secret" ]; then
    (umask 077 && cp "$MIGRATE_FROM/jwt_secret" "$CLUSTER_DIR/jwt_secret")
  fi
  say "migrating $MIGRATE_FROM (parleyd must not run on it)"
  "$PARLEYCTL" migrate --from "$MIGRATE_FROM" --redis "127.0.0.1:$REDIS_PORT" \
    --mysql "$MYSQL_URL" --media-dir "$CLUSTER_DIR/media" ||
    die "the migration failed (run it again to resume)"
}

start() {
  [ -x "$PARLEYD" ] || die "$PARLEYD not built (make build)"
  for tool in redis-server redis-cli mariadbd mariadb-install-db mariadb; do
    command -v "$tool" >/dev/null || die "$tool missing (make bootstrap)"
  done
  mkdir -p "$PIDS"
  # One secret for every gateway: a token from one is valid on the others.
  if [ ! -s "$CLUSTER_DIR/jwt_secret" ]; then
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$CLUSTER_DIR/jwt_secret")
  fi
  start_redis
  start_mysql
  migrate
  for n in $(seq 1 "$GATEWAYS"); do start_gateway "$n"; done
  cat <<INFO

Parley cluster is up: $GATEWAYS gateways over Redis 127.0.0.1:$REDIS_PORT and MariaDB 127.0.0.1:$MYSQL_PORT.
  $BUILD_DIR/tools/parley --server 127.0.0.1:$((TCP_BASE + 1)) --http 127.0.0.1:$((WS_BASE + 1)) --user alice   # on gw1
  $BUILD_DIR/tools/parley --server 127.0.0.1:$((TCP_BASE + 2)) --http 127.0.0.1:$((WS_BASE + 2)) --user bob     # on gw2: alice's messages cross gateways
  curl -s localhost:$((WS_BASE + 3))/healthz                                 # gw3's health (Redis + MySQL)
  Any gateway takes any user; ws://127.0.0.1:$((WS_BASE + 1))/ws?token=… speaks JSON on gw1.
Stop everything with: make cluster-stop
INFO
}

stop() {
  for n in $(seq "$GATEWAYS" -1 1); do stop_one "gw$n" 25; done
  # Any gateway beyond GATEWAYS started by an earlier run.
  for pid_file in "$PIDS"/gw*.pid; do
    [ -e "$pid_file" ] && stop_one "$(basename "$pid_file" .pid)" 25
  done
  stop_one mysql 60
  stop_one redis 20
  say "stopped (data kept in $CLUSTER_DIR)"
}

status() {
  for pid_file in "$PIDS"/*.pid; do
    [ -e "$pid_file" ] || continue
    local name
    name=$(basename "$pid_file" .pid)
    if alive "$name"; then say "$name running (pid $(cat "$pid_file"))"; else say "$name dead"; fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
