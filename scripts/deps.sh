#!/usr/bin/env bash
# Installs what Patchbay's build and tests need, idempotently and without
# prompts: Debian packages, the pinned Wails CLI and staticcheck, and the npm
# dependencies. It does not install Go or Node (Debian 12 ships versions too
# old for go.mod and package.json): it checks them first and says how to get
# them.
# Usage: scripts/deps.sh [apt|wails|staticcheck|npm|all]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."

WAILS_VERSION=v2.16.0
STATICCHECK_VERSION=v0.8.2
# The minimum versions are the ones go.mod and package.json declare.
GO_MIN="$(awk '$1 == "go" { print $2; exit }' go.mod)"
NODE_MIN="$(sed -n 's/.*"node": *">= *\([0-9.]*\)".*/\1/p' frontend/package.json)"
APT_PACKAGES=(build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev
  xvfb xauth xdotool imagemagick dbus-x11 gnome-keyring libsecret-tools chromium
  webkit2gtk-driver libx11-dev appstream librsvg2-bin desktop-file-utils dex x11-utils)

# version_ge A B: is version A >= version B?
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

need_go() {
  local have=""
  if command -v go >/dev/null; then
    have="$(go version | awk '{ sub(/^go/, "", $3); print $3 }')"
  fi
  if [ -z "$have" ] || ! version_ge "$have" "$GO_MIN"; then
    cat >&2 <<EOF
deps: Patchbay needs Go >= $GO_MIN (go.mod); found: ${have:-no go on PATH}.
  Debian 12's golang package is 1.19, too old. Install the official release:
    rm -rf /usr/local/go && curl -fsSL https://go.dev/dl/go$GO_MIN.linux-amd64.tar.gz | tar -C /usr/local -xz
    export PATH=/usr/local/go/bin:\$HOME/go/bin:\$PATH
  (other platforms and newer releases: https://go.dev/dl/). Then run this again.
EOF
    exit 1
  fi
}

need_node() {
  local have=""
  if command -v node >/dev/null; then
    have="$(node --version | sed 's/^v//')"
  fi
  if [ -z "$have" ] || ! version_ge "$have" "$NODE_MIN" || ! command -v npm >/dev/null; then
    cat >&2 <<EOF
deps: Patchbay needs Node.js >= $NODE_MIN with npm (frontend/package.json); found: ${have:-no node on PATH}.
  Debian 12's nodejs package is 18, too old. Install Node 22 LTS, for example from NodeSource:
    curl -fsSL https://deb.nodesource.com/setup_22.x | bash - && apt-get install -y nodejs
  (or a release from https://nodejs.org/en/download). Then run this again.
EOF
    exit 1
  fi
}

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

deps_staticcheck() {
  local bin
  bin="$(go env GOPATH)/bin/staticcheck"
  if [ -x "$bin" ] && "$bin" -version 2>/dev/null | grep -qF "(${STATICCHECK_VERSION#v})"; then return 0; fi
  echo "deps: installing staticcheck $STATICCHECK_VERSION"
  go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
}

deps_npm() {
  if [ ! -f frontend/node_modules/.package-lock.json ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
    echo "deps: npm ci"
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

case "${1:-all}" in
  apt) deps_apt ;;
  wails) need_go; deps_wails ;;
  staticcheck) need_go; deps_staticcheck ;;
  npm) need_node; deps_npm ;;
  all) need_go; need_node; deps_apt; deps_wails; deps_staticcheck; deps_npm ;;
  *) echo "usage: $0 [apt|wails|staticcheck|npm|all]" >&2; exit 2 ;;
esac
