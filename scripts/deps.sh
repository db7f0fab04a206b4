#!/usr/bin/env bash
# Installs what Patchbay's build and tests need, idempotently and without
# prompts: Debian packages, the pinned Wails CLI and the npm dependencies.
# Usage: scripts/deps.sh [apt|wails|npm|all]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."

WAILS_VERSION=v2.16.0
APT_PACKAGES=(build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev
  xvfb xauth xdotool imagemagick dbus-x11 gnome-keyring libsecret-tools chromium)

deps_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "deps: installing ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "deps: run as root: apt-get update && apt-get install -y ${missing[*]}" >&2; exit 1
    fi
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

deps_wails() {
  local bin
  bin="$(go env GOPATH)/bin/wails"
  if [ -x "$bin" ] && "$bin" version 2>/dev/null | grep -q "$WAILS_VERSION"; then return 0; fi
  echo "deps: installing wails $WAILS_VERSION"
  go install "github.com/wailsapp/wails/v2/cmd/wails@$WAILS_VERSION"
}

deps_npm() {
  if [ ! -f frontend/node_modules/.package-lock.json ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
    echo "deps: npm ci"
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

case "${1:-all}" in
  apt) deps_apt ;;
  wails) deps_wails ;;
  npm) deps_npm ;;
  all) deps_apt; deps_wails; deps_npm ;;
  *) echo "usage: $0 [apt|wails|npm|all]" >&2; exit 2 ;;
esac
