#!/usr/bin/env bash
# Runs the Go tests with the race detector, in shuffled order, inside a private
# D-Bus session with an unlocked gnome-keyring:
#   1. the real-keyring tests (backend/secrets/realkeyring, build tag
#      realkeyring): a package of their own, so no go-keyring mock can leak
#      into them; they check with secret-tool that each secret is really in
#      the Secret Service;
#   2. every package (keyring tests there use go-keyring's in-memory mock).
set -euo pipefail
cd "$(dirname "$0")/.."

GO_TEST=(go test -race -count=1 -shuffle=on -timeout 15m)

if [ "${1:-}" != "--in-session" ]; then
  for tool in dbus-run-session gnome-keyring-daemon secret-tool; do
    command -v "$tool" >/dev/null || { echo "test-go: $tool is missing (scripts/deps.sh apt installs it)" >&2; exit 1; }
  done
  # A fresh keyring directory: an existing login keyring with another password
  # would make gnome-keyring prompt instead of unlocking.
  XDG_DATA_HOME="$(mktemp -d)"
  export XDG_DATA_HOME
  trap 'rm -rf "$XDG_DATA_HOME"' EXIT
  dbus-run-session -- "$0" --in-session
  exit
fi

# Inside the session: start and unlock gnome-keyring, and prove it answers.
if ! out=$(printf %s patchbay-test | timeout 20 gnome-keyring-daemon --unlock --components=secrets 2>&1); then
  echo "test-go: gnome-keyring-daemon did not start: $out" >&2
  exit 1
fi
probe_ok() {
  printf %s probe | timeout 10 secret-tool store --label "patchbay test-go probe" service patchbay-test-go username probe &&
    [ "$(timeout 10 secret-tool lookup service patchbay-test-go username probe)" = probe ] &&
    timeout 10 secret-tool clear service patchbay-test-go username probe
}
if ! probe_err=$(probe_ok 2>&1); then
  echo "test-go: gnome-keyring started but its Secret Service is not usable (not unlocked?): ${probe_err:-a secret stored with secret-tool could not be read back}" >&2
  exit 1
fi

echo "test-go: real Secret Service (gnome-keyring) tests"
"${GO_TEST[@]}" -tags realkeyring ./backend/secrets/realkeyring/
echo "test-go: all packages"
"${GO_TEST[@]}" ./...
