#!/usr/bin/env bash
# Installs the system libraries WeasyPrint needs to make the compliance report PDFs
# (Pango and a font), from Debian's packages, when they are missing.
set -euo pipefail
if ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' && fc-list 2>/dev/null | grep -qi .; then
  exit 0
fi
echo "Installing Pango and a font for the PDF reports..."
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Pango is missing and cannot be installed without root"; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-liberation
