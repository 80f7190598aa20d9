#!/bin/sh
# Install the system packages the portal needs, or say which are missing.
# Usage: scripts/system-deps.sh [--test | --bench]   (--test adds Chromium for the browser tests, Java for the
# HTML checker and openssl for the HTTPS webhook tests, --bench wrk for bench/)
set -eu

missing=""
python3 -c 'import venv, ensurepip' 2>/dev/null || missing="$missing python3-venv"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
# the PDF documents' font (statements, paid-in-full letters): DejaVu Sans, for "£", "€" and accents
[ -n "${PDF_FONT_DIR:-}" ] || [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || missing="$missing fonts-dejavu-core"
if [ "${1:-}" = "--test" ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
fi
if [ "${1:-}" = "--test" ]; then
  command -v java >/dev/null 2>&1 || missing="$missing default-jre-headless"
  # a certificate made for each HTTPS webhook test
  command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
fi
if [ "${1:-}" = "--bench" ]; then
  command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
fi

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing with apt:$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
  echo "Please install these packages first:$missing" >&2
  echo "  On Debian or Ubuntu: sudo apt-get install$missing" >&2
  echo "  (or set CHROMIUM_PATH to a Chromium or Chrome binary for the browser tests)" >&2
  exit 1
fi
