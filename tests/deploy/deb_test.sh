#!/usr/bin/env bash
# The Debian package (`make deb`, deploy/CMakeLists.txt), built with cpack
# from this build tree (no second compile), unpacked into a scratch root with
# dpkg-deb -x, checked, and run from there:
#   - its control data: name, version, section, Depends from dpkg-shlibdeps,
#     the conffile, the maintainer scripts;
#   - its files: the three binaries, the unit, the config (0640), the web app
#     with the SDK in place of web/app's symlink;
#   - the unit passes `systemd-analyze verify` without a warning (its
#     ExecStart pointed at the scratch root, the one thing not there on this
#     machine; --root would miss sysinit.target and /bin/kill), and it runs
#     the installed binary with the installed config in the state directory
#     the config's data-dir lies in;
#   - the installed parleyd, started with the installed config (data dir and
#     ports moved by flags, which win over the file), answers /healthz and
#     serves the installed web app at / with no --web-root; the installed
#     parleyctl drives its server API; SIGTERM stops it with exit code 0;
#     with stderr named by $JOURNAL_STREAM, as systemd sets it, its log
#     lines carry their syslog priority for journald.
# What it cannot do here: run the unit under systemd (no systemd as PID 1 in
# CI's container), or run the maintainer scripts (they change the machine).
#
# usage: deb_test.sh CPACK BUILD_DIR
set -euo pipefail
cpack=$1
build_dir=$2

dir=$(mktemp -d)
pid=
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; fi
  rm -rf "$dir"
}
trap cleanup EXIT
failed=0
check() {  # check DESCRIPTION COMMAND...: runs the command, reports
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failed=1; fi
}

"$cpack" -G DEB --config "$build_dir/CPackConfig.cmake" -B "$dir/pkg" >"$dir/cpack.log" 2>&1 ||
  { cat "$dir/cpack.log"; echo "FAIL: cpack"; exit 1; }
debs=("$dir"/pkg/*.deb)
deb=${debs[0]}
[[ ${#debs[@]} -eq 1 && -f "$deb" ]] || { echo "FAIL: not one .deb: ${debs[*]}"; exit 1; }
echo "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

# Control data.
field() { dpkg-deb -f "$deb" "$1"; }
check "Package: parley" test "$(field Package)" = parley
check "Version is the project's, Debian revision 1" \
  grep -qxE '[0-9]+\.[0-9]+\.[0-9]+-1' <<<"$(field Version)"
check "Section: net" test "$(field Section)" = net
depends=$(field Depends)
echo "Depends: $depends"
for package in adduser libc6 libstdc++6 libssl3 libsodium23 libvips42; do
  check "Depends names $package" grep -qE "(^|, )${package//+/[+]}( |,|\$)" <<<"$depends"
done
check "conffiles: /etc/parley/parleyd.toml" \
  test "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = /etc/parley/parleyd.toml
for script in postinst prerm postrm; do
  check "$script is an executable sh script" \
    bash -c "dpkg-deb --ctrl-tarfile '$deb' | tar -tvf - ./$script | grep -q '^-rwxr-xr-x'"
done
check "postinst creates the system user parley" \
  bash -c "dpkg-deb --ctrl-tarfile '$deb' | tar -xO ./postinst | grep -q 'adduser --system --group .* parley$'"

# Files.
listing=$(dpkg-deb -c "$deb")
has() { grep -qE "^$1 .* \./$2\$" <<<"$listing"; }
for binary in parleyd parley parleyctl; do check "usr/bin/$binary" has -rwxr-xr-x "usr/bin/$binary"; done
check "the unit in lib/systemd/system" has -rw-r--r-- lib/systemd/system/parleyd.service
check "the config, 0640" has -rw-r----- etc/parley/parleyd.toml
check "the web app" has -rw-r--r-- usr/share/parley/web/index.html
check "the web app's SDK, a directory of files" has -rw-r--r-- usr/share/parley/web/sdk/index.js
check "no symbolic link" bash -c "! grep -q '^l' <<<\"\$1\"" _ "$listing"

root=$dir/root
dpkg-deb -x "$deb" "$root"

# The unit.
unit=$root/lib/systemd/system/parleyd.service
value() { sed -n "s/^$1=//p" "$unit"; }
exec_start=$(value ExecStart)
read -r exe config_flag config <<<"$exec_start"
check "ExecStart runs the installed parleyd" test -x "$root$exe"
check "ExecStart reads the installed config" \
  bash -c "[[ '$config_flag' == --config && -f '$root$config' ]]"
check "runs as parley" test "$(value User):$(value Group)" = parley:parley
check "the config's data-dir is in the StateDirectory" \
  grep -qx "data-dir = \"/var/lib/$(value StateDirectory)/[a-z]*\"" "$root$config"
mkdir "$dir/verify"
sed "s|^ExecStart=$exe |ExecStart=$root$exe |" "$unit" >"$dir/verify/parleyd.service"
if command -v systemd-analyze >/dev/null; then
  # verify exits 0 on an unknown key or section: its output is the verdict.
  verify=$(systemd-analyze verify "$dir/verify/parleyd.service" 2>&1) && status=0 || status=$?
  check "systemd-analyze verify: exit 0, no warning" \
    bash -c "[[ $status -eq 0 && -z \"\$1\" ]]" _ "$verify"
  [[ -z "$verify" ]] || echo "$verify"
  echo "systemd-analyze security: $(systemd-analyze security --offline=yes \
    "$dir/verify/parleyd.service" 2>/dev/null | tail -1)"
else
  echo "FAIL: systemd-analyze is missing (scripts/bootstrap installs Debian's systemd)"
  failed=1
fi

# Run it from the scratch root. A mark in the unpacked index.html tells its
# copy from the source tree's (the fallback of a parleyd built here).
mark="<!-- unpacked by deb_test.sh -->"
echo "$mark" >>"$root/usr/share/parley/web/index.html"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ws_port=$(free_port)
tcp_port=$(free_port)
url=http://127.0.0.1:$ws_port
key=deb-test-api-key-0123456789-0123456789
: >"$dir/log"
# As under systemd: $JOURNAL_STREAM names stderr (src/app/journal_log.h).
JOURNAL_STREAM=$(stat -c %d:%i "$dir/log") \
  "$root$exe" --config "$root$config" --data-dir "$dir/data" --ws-listen "127.0.0.1:$ws_port" \
  --tcp-listen "127.0.0.1:$tcp_port" --api-key "$key" --password-cost min >>"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -sf -o /dev/null "$url/healthz" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
check "/healthz answers" curl -sf -o /dev/null "$url/healthz"
same_as_installed() { curl -sf "$url$1" | cmp -s - "$root/usr/share/parley/web$2"; }
check "GET / is the installed index.html" same_as_installed / /index.html
check "... the unpacked copy, found from parleyd's path" bash -c "curl -sf '$url/' | grep -qF -- '$mark'"
check "GET /sdk/index.js is the installed SDK" same_as_installed /sdk/index.js /sdk/index.js
check "GET /js/main.js is the installed app" same_as_installed /js/main.js /js/main.js
check "the installed parleyctl creates a user" \
  bash -c "'$root/usr/bin/parleyctl' --url '$url' --api-key '$key' users create alice >/dev/null"
check "the installed parley client runs" bash -c "'$root/usr/bin/parley' --help >/dev/null"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
check "SIGTERM: exit 0" test "$status" -eq 0
check "the data went to --data-dir" test -f "$dir/data/jwt_secret"
check "journal lines: syslog priority, no timestamp" \
  bash -c "grep -q '^<6>\[info\] parleyd started' '$dir/log' &&
           grep -q '^<4>\[warning\] --password-cost=min' '$dir/log' &&
           ! grep -q '^\[20' '$dir/log'"
if [[ $failed -ne 0 ]]; then
  echo "--- parleyd's log"
  cat "$dir/log"
  exit 1
fi
echo PASS
