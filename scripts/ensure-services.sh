#!/usr/bin/env bash
# Installs the Debian packages the production stack (scripts/stack.sh) and its tests need when
# they are missing: nginx (TLS in front of gunicorn), redis-server (shared sign-in counts) and
# openssl (the stack's throw-away certificates). PostgreSQL is the machine's own server.
# Nothing is skipped when a package is absent: it is installed, or this script fails saying why.
set -euo pipefail
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages for the production stack: ${missing[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "${missing[*]} missing and cannot be installed without root"; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# The packages' own services are not started here (no init system in a container, and the
# stack runs its own nginx and Redis on its own ports): policy-rc.d says no for the install.
policy=/usr/sbin/policy-rc.d
created_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=1
fi
trap '[ -n "$created_policy" ] && $SUDO rm -f "$policy"' EXIT
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
