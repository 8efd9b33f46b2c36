# Sourced by bench/run.sh: starts the IM peers (ejabberd, Prosody) from
# Debian's packages as plain processes, each in a fresh temp dir of its own
# on a free loopback port, never as the system service.
#
#   start_peer CONFIG PORT DOMAIN   # CONFIG: ejabberd, ejabberd-mam, prosody, prosody-mam
#     → PEER_PID (the server process itself: beam.smp or lua) and PEER_DIR
#
# As root, the server runs as its package's system user (setpriv, which
# execs, so PEER_PID stays the server's pid); otherwise as the caller.
PEERS_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

peer_version() {  # peer_version ejabberd|prosody → the Debian package's version
  dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true
}

start_peer() {
  local config=$1 port=$2 domain=$3
  local server=${config%-mam}
  local template
  case $server in
    ejabberd) template="$PEERS_SRC/$config.yml" ;;
    prosody) template="$PEERS_SRC/$config.cfg.lua" ;;
    *) echo "bench: unknown peer $config" >&2; return 1 ;;
  esac
  PEER_DIR=$(mktemp -d "/tmp/parley-$config-XXXXXX")
  local conf="$PEER_DIR/$(basename "$template")"
  sed -e "s#@DIR@#$PEER_DIR#g" -e "s#@PORT@#$port#g" -e "s#@DOMAIN@#$domain#g" "$template" >"$conf"
  local as_user=()
  if [[ $(id -u) == 0 ]]; then
    chmod 755 "$PEER_DIR"
    chown -R "$server:" "$PEER_DIR"
    as_user=(setpriv --reuid="$server" --regid="$server" --init-groups)
  fi
  case $server in
    ejabberd)
      # What ejabberdctl's "foreground" runs, minus the Erlang distribution:
      # no node name, so no epmd and no cookie (nothing here needs
      # ejabberdctl: accounts come by in-band registration).
      local libs
      libs=$(dirname "$(ls -d /usr/lib/*/ejabberd-[0-9]* | head -1)")
      (cd "$PEER_DIR" && exec env HOME="$PEER_DIR" EJABBERD_CONFIG_PATH="$conf" \
        EJABBERD_LOG_PATH="$PEER_DIR/ejabberd.log" ERL_CRASH_DUMP="$PEER_DIR/erl_crash.dump" \
        ERL_LIBS="$libs" ERL_MAX_PORTS=65536 ERL_MAX_ETS_TABLES=1400 \
        "${as_user[@]}" erl -noinput +K true +P 250000 +sbwt none +sbwtdcpu none +sbwtdio none \
        -mnesia dir "\"$PEER_DIR/spool\"" -s ejabberd) >"$PEER_DIR/stdout.log" 2>&1 &
      ;;
    prosody)
      (cd "$PEER_DIR" && exec "${as_user[@]}" prosody --config "$conf" -F) \
        >"$PEER_DIR/stdout.log" 2>&1 &
      ;;
  esac
  PEER_PID=$!
  for _ in $(seq 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    kill -0 "$PEER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: $config did not start on port $port:" >&2
  tail -20 "$PEER_DIR"/*.log >&2 || true
  return 1
}
