#!/usr/bin/env bash
# Installs the XMPP peers of `make bench` (ejabberd, Prosody) from Debian's
# packages, on demand: scripts/bootstrap leaves them out so CI stays fast.
# Idempotent. The benchmark runs its own instances as unprivileged processes
# from a temp dir (bench/peers/*.sh), so the packages' system services are
# kept from starting and, if they started anyway, stopped and disabled.
set -euo pipefail

# lua-event: the libevent backend Prosody may use; lua-dbi-sqlite3 is not
# needed: both peers' MAM runs on its default storage (mnesia, Prosody's
# internal file store).
PACKAGES=(ejabberd erlang-p1-sqlite3 prosody lua-event)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
[[ "$(id -u)" -ne 0 ]] && SUDO="sudo"
POLICY=/usr/sbin/policy-rc.d
OWN_POLICY=0
if [[ ! -e $POLICY ]]; then
  # invoke-rc.d asks this script before starting a service: 101 = "not allowed".
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  OWN_POLICY=1
fi
restore_policy() { [[ $OWN_POLICY == 1 ]] && $SUDO rm -f "$POLICY"; return 0; }
trap restore_policy EXIT

echo "bench/peers/install.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# In case a service started regardless (no policy-rc.d honoured, systemd).
if command -v systemctl >/dev/null 2>&1; then
  $SUDO systemctl disable --now ejabberd prosody >/dev/null 2>&1 || true
fi
for name in ejabberd prosody; do
  $SUDO invoke-rc.d "$name" stop >/dev/null 2>&1 || true
done
echo "bench/peers/install.sh: done"
