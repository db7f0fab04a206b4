#!/usr/bin/env bash
# Runs the Go tests with the race detector inside a private D-Bus session
# with an unlocked gnome-keyring, so the keyring tests use a real Secret
# Service (PATCHBAY_REAL_KEYRING=1); elsewhere they use go-keyring's mock.
set -euo pipefail
cd "$(dirname "$0")/.."
# A fresh keyring directory: an existing login keyring with another password
# would make gnome-keyring prompt instead of unlocking.
XDG_DATA_HOME="$(mktemp -d)"
export XDG_DATA_HOME
trap 'rm -rf "$XDG_DATA_HOME"' EXIT
dbus-run-session -- sh -c '
  echo -n patchbay-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  PATCHBAY_REAL_KEYRING=1 go test -race -count=1 -timeout 15m ./...
'
