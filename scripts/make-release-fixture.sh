#!/usr/bin/env bash
# make-release-fixture.sh COMMIT: writes backend/store/testdata/release-COMMIT.db,
# a database the release at COMMIT really wrote, for the upgrade test
# (backend/store/fixture_test.go). Run it from the repository root when a
# release ships a schema change; then point the test at the new file and
# update the counts it expects (the script prints them).
#
# It builds COMMIT in a temporary worktree (with this checkout's
# frontend/dist: the embed only needs files), runs `patchbay serve --demo`
# on a fresh data directory (the demo keeps secrets in memory, never in the
# database), fills the tables the demo seed leaves empty over the HTTP API,
# stops it with SIGTERM (the WAL is checkpointed) and copies only patchbay.db
# (to $OUT if set).
set -euo pipefail
commit=${1:?usage: scripts/make-release-fixture.sh COMMIT}
short=$(git rev-parse --short=7 "$commit")
root=$(git rev-parse --show-toplevel)
[ -n "$(ls "$root/frontend/dist" 2>/dev/null)" ] || { echo "build the frontend first (cd frontend && npm run build)" >&2; exit 2; }
work=$(mktemp -d)
tree="$work/tree"
pid=
cleanup() {
  [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  git -C "$root" worktree remove --force "$tree" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
git -C "$root" worktree add --detach "$tree" "$commit" >/dev/null
mkdir -p "$tree/frontend/dist" && cp -r "$root/frontend/dist/." "$tree/frontend/dist/"
(cd "$tree" && nice go build -o "$work/patchbay" .)

data="$work/data"
"$work/patchbay" serve --demo --data-dir "$data" --sweep-interval 0 >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do grep -q 'token=' "$work/out" 2>/dev/null && break; sleep 0.2; done
url=$(grep -o 'http://[0-9.:]*' "$work/out") || { cat "$work/err" >&2; echo "serve did not start" >&2; exit 1; }
tok=$(grep -o 'token=[0-9a-f]*' "$work/out" | cut -d= -f2)
rpc() {
  curl -sf -X POST -H "Authorization: Bearer $tok" -H 'X-Patchbay: 1' -H 'Content-Type: application/json' \
    "$url/api/rpc/$1" -d "$2"
}
js() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# What the demo seed does not write: settings, a workspace interval, a
# sweep, an alert delivery, a reconnect request, a read notification.
rpc UpdateSettings '[{"desktopNotifications":false,"portalAddress":"","publicBaseUrl":"https://patchbay.example.com","trustedProxy":"10.0.0.1","keepRunning":true,"startAtLogin":false}]' >/dev/null
support=$(rpc ListWorkspaces '[]' | js '[w["id"] for w in d if w["name"]=="Support team"][0]')
rpc SetWorkspaceSweep "[\"$support\", 30]" >/dev/null
rpc StartSweep '[]' >/dev/null
for _ in $(seq 100); do rpc GetSweep '[]' | js 'd["running"]' | grep -q False && break; sleep 0.2; done
route=$(rpc ListAlertRoutes '[]' | js 'd[0]["id"]')
rpc TestAlertRoute "[\"$route\"]" >/dev/null
slack=$(rpc ListConnections '[]' | js '[c["id"] for c in d if c["label"]=="Alerts Slack"][0]')
globex=$(rpc ListClients '[]' | js '[c["id"] for c in d if c["name"]=="Globex"][0]')
rpc SetConnectionOwner "[\"$slack\", \"$globex\"]" >/dev/null
link=$(rpc CreateReconnectRequest "[\"$slack\", \"https://patchbay.example.com\"]" | js 'd["url"]')
note=$(rpc ListNotifications '[50]' | js 'd[0]["id"]')
rpc MarkNotificationRead "[\"$note\"]" >/dev/null

kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
pid=
[ ! -e "$data/patchbay.db-wal" ] || [ ! -s "$data/patchbay.db-wal" ] || { echo "the WAL was not checkpointed" >&2; exit 1; }

out=${OUT:-"$root/backend/store/testdata/release-$short.db"}
mkdir -p "$(dirname "$out")"
cp "$data/patchbay.db" "$out"
echo "wrote $out ($(stat -c %s "$out") bytes); the reconnect link's signature to scan for: ${link##*.}"
if command -v sqlite3 >/dev/null; then
  for t in $(sqlite3 "$out" "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"); do
    echo "  $t: $(sqlite3 "$out" "SELECT count(*) FROM \"$t\"")"
  done
  echo "  user_version: $(sqlite3 "$out" 'PRAGMA user_version')"
fi
