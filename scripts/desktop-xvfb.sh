#!/usr/bin/env bash
# Desktop life-cycle test of the REAL Wails binary under Xvfb, in a D-Bus
# session of its own with a fake notification daemon (scripts/desktoptest):
#   1. one instance: a second launch on the same data directory exits at
#      once and brings the first window to the front;
#   2. `patchbay serve` runs beside the window on the same data directory and
#      turns on "Keep checking in the background when the window is closed";
#   3. closing the window hides it and the app keeps running;
#   4. a demo connection breaks (its key is revoked at the fake provider): the
#      background sweep finds it and the desktop notification arrives;
#   5. clicking the notification (the fake daemon sends ActionInvoked with
#      the "default" key to the app, as GNOME Shell and dunst do) brings the
#      window back; closing it hides it again;
#   6. launching again brings the window back;
#   7. Ctrl+Q quits, although the app keeps running in the background;
#   8. SIGTERM, and 9. SIGINT, while the window is still opening (at the
#      app's first log line, before GTK's main loop runs: a quit then was
#      lost and the app needed SIGKILL), and 10. SIGTERM with the window
#      closed to the background: each ends the app within 20 s, with exit
#      status 0 and its backend stopped and database closed.
# Usage: PATCHBAY_BIN=/abs/path/to/patchbay scripts/desktop-xvfb.sh
# Needs: xvfb xdotool dbus (Debian packages), libx11-dev (for desktoptest).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
require_abs_bin desktop

if [ "${1:-}" != --in-session ]; then
  for tool in Xvfb xdotool dbus-run-session curl python3; do
    command -v "$tool" >/dev/null || { echo "desktop: '$tool' is missing (scripts/deps.sh installs it)" >&2; exit 2; }
  done
  mkdir -p "$ROOT/.cache"
  (cd "$ROOT" && go build -o .cache/desktoptest ./scripts/desktoptest)
  exec dbus-run-session -- "$0" --in-session
fi

ARTIFACTS="${ARTIFACTS:-$ROOT/test-results/desktop}"
mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.log
TMP="$(mktemp -d)"
DATA="$TMP/data"
PIDS=()
APP_PID=""
cleanup() {
  [ -z "$APP_PID" ] || kill -KILL "$APP_PID" 2>/dev/null || true # a window that ignored SIGTERM
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  cp "$TMP"/*.log "$ARTIFACTS"/ 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
  echo "desktop: FAIL: $*" >&2
  for f in "$TMP"/*.log; do echo "----- $(basename "$f") -----" >&2; tail -n 40 "$f" >&2; done
  echo "desktop: 0 passed, 1 failed"
  exit 1
}
alive() { kill -0 "$APP_PID" 2>/dev/null; }
app_log() { grep -c -- "$1" "$TMP/app.log" 2>/dev/null || true; }
logged() { [ "$(app_log "$1")" -gt "${2:-0}" ]; }
hidden() { ! visible; }
notified() { grep -q "^NOTIFY Patchbay|" "$TMP/notifyd.log"; }

start_xvfb 181 220

"$ROOT/.cache/desktoptest" notifyd >"$TMP/notifyd.log" 2>&1 &
NOTIFYD_PID=$!
PIDS+=("$NOTIFYD_PID")
wait_for 10 "the fake notification daemon" grep -q READY "$TMP/notifyd.log"

# The first window: demo fakes, its own data directory, a background sweep
# every 2 s (the app's default interval for the demo workspace).
"$PATCHBAY_BIN" --demo --data-dir "$DATA" --sweep-interval 2s >"$TMP/app.out" 2>"$TMP/app.log" &
APP_PID=$!
PIDS+=("$APP_PID")
wait_for 60 "the first window (no visible window named Patchbay)" visible
WID="$(xdotool search --onlyvisible --name '^Patchbay$' | head -n1)"
FAKE="$(grep -m1 -oE 'msg="demo mode: fake providers running" url=http://[^ ]+' "$TMP/app.log" | sed 's#.*url=##')"
[ -n "$FAKE" ] || fail "no fake providers' address in app.log"

# 1. One instance.
front_before=$(app_log "window brought to the front")
timeout 20 "$PATCHBAY_BIN" --demo --data-dir "$DATA" >"$TMP/second.out" 2>"$TMP/second.log" || fail "the second launch did not exit 0 within 20 s (exit $?)"
grep -q "already running" "$TMP/second.out" || fail "the second launch did not say Patchbay is already running: $(cat "$TMP/second.out")"
wait_for 10 "the first window to be brought to the front" logged "window brought to the front" "$front_before"
[ "$(xdotool search --onlyvisible --name '^Patchbay$' | wc -l)" = 1 ] || fail "there is more than one Patchbay window"
echo "desktop: a second launch brought the first window to the front and exited"

# 2. patchbay serve beside the window, same data directory (no background
# sweeps there: the demo's secrets live in the window's memory).
"$PATCHBAY_BIN" serve --data-dir "$DATA" --addr 127.0.0.1:0 --sweep-interval 0 >"$TMP/serve.out" 2>"$TMP/serve.log" &
SERVE_PID=$!
PIDS+=("$SERVE_PID")
wait_for 30 "patchbay serve beside the window to print its URL" grep -q "Patchbay is running at" "$TMP/serve.out"
URL="$(grep -oE 'http://[^ ]+' "$TMP/serve.out" | head -n1)"
BASE="${URL%%/?token=*}"
TOKEN="${URL##*token=}"
rpc() { curl -fsS -X POST -H "Authorization: Bearer $TOKEN" -H "X-Patchbay: 1" -H "Content-Type: application/json" --data "$2" "$BASE/api/rpc/$1"; }
settings="$(rpc GetSettings '[]')" || fail "GetSettings through patchbay serve failed"
updated="$(python3 -c 'import json,sys; s=json.loads(sys.argv[1]); s["keepRunning"]=True; print(json.dumps([s]))' "$settings")"
rpc UpdateSettings "$updated" | grep -q '"keepRunning":true' || fail "patchbay serve beside the window could not turn on keep running"
kill "$SERVE_PID"
echo "desktop: patchbay serve ran beside the window and turned on 'Keep checking in the background'"

# 3. Close the window: it hides, the app keeps running.
"$ROOT/.cache/desktoptest" close "$WID"
wait_for 15 "the window to hide after closing it" hidden
wait_for 10 "the app to log that it keeps checking" logged "keeps checking in the background"
sleep 1
alive || fail "the app exited when its window was closed, with keep running on"
echo "desktop: closing the window hid it; the app keeps running"

# 4. Break a demo connection (revoke the SonarQube token, fakes.SonarToken,
# at the fake provider); the background sweep notices and the desktop
# notification arrives although the window is closed.
curl -fsS -X POST --data '{"key":"squ_0123456789abcdef0123456789abcdef01234567","valid":false}' "$FAKE/_fake/keys" || fail "could not revoke the demo key at the fake provider"
wait_for 60 "a desktop notification from Patchbay (fake notification daemon)" notified
echo "desktop: notification arrived with the window closed: $(grep -m1 '^NOTIFY Patchbay|' "$TMP/notifyd.log")"

# 5. Click the notification: the window comes back. Then close it again.
grep -q "^ACTIONS [0-9]* default," "$TMP/notifyd.log" || fail "the notification has no default action, so clicking it does nothing: $(grep '^ACTIONS' "$TMP/notifyd.log" | head -n1)"
kill -USR1 "$NOTIFYD_PID"
wait_for 10 "the fake daemon to click the notification" grep -q "^CLICKED " "$TMP/notifyd.log"
wait_for 15 "clicking the notification to show the window" visible
wait_for 10 "the app to log the click" logged "desktop notification clicked"
echo "desktop: clicking the desktop notification brought the window back"
WID="$(xdotool search --onlyvisible --name '^Patchbay$' | head -n1)"
"$ROOT/.cache/desktoptest" close "$WID"
wait_for 15 "the window to hide after closing it again" hidden

# 6. Launch again: the window comes back.
timeout 20 "$PATCHBAY_BIN" --demo --data-dir "$DATA" >"$TMP/third.out" 2>>"$TMP/second.log" || fail "launching again did not exit 0 within 20 s"
wait_for 15 "launching again to show the window" visible
echo "desktop: launching again brought the window back"

# 7. Ctrl+Q quits, keep running or not.
WID="$(xdotool search --onlyvisible --name '^Patchbay$' | head -n1)"
xdotool windowfocus --sync "$WID" >/dev/null 2>&1 || true
xdotool mousemove 640 26 click 1
xdotool key --clearmodifiers ctrl+q
deadline=$((SECONDS + 20))
while alive; do
  [ "$SECONDS" -lt "$deadline" ] || fail "Ctrl+Q did not quit within 20 s"
  sleep 0.2
done
wait "$APP_PID" || fail "the app exited with status $? after Ctrl+Q"
logged "quitting" || fail "the app did not log quitting"
echo "desktop: Ctrl+Q quit the app"

# launch NAME: starts the window on the data directory (keep running is on
# there) with its log in $TMP/NAME.log; APP_PID is its pid.
launch() {
  "$PATCHBAY_BIN" --demo --data-dir "$DATA" --verbose >"$TMP/$1.out" 2>"$TMP/$1.log" &
  APP_PID=$!
  PIDS+=("$APP_PID")
}
# stops_cleanly SIGNAL NAME WHEN: sends SIGNAL to the app launched as NAME;
# it must exit 0 within 20 s, having logged its clean stop. One that does
# not is killed (SIGKILL, as scripts/firstpaint does after 5 s) and fails.
stops_cleanly() {
  kill -"$1" "$APP_PID"
  local deadline=$((SECONDS + 20)) rc=0
  while alive; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      kill -KILL "$APP_PID"
      fail "SIG$1 $3 did not end the app within 20 s: it needed SIGKILL"
    fi
    sleep 0.2
  done
  wait "$APP_PID" || rc=$?
  [ "$rc" = 0 ] || fail "the app exited with status $rc after SIG$1 $3"
  grep -q 'msg="stopped: database closed"' "$TMP/$2.log" || fail "the app did not log its clean stop (database closed) after SIG$1 $3"
  if grep -E 'level=ERROR|^panic|SIGSEGV|gtk_main_quit' "$TMP/$2.log"; then fail "the app logged an error after SIG$1 $3"; fi
  echo "desktop: SIG$1 $3 ended the app cleanly"
}

# 8.-9. A signal while the window is still opening: the first log line
# comes once the app listens for signals, well before GTK's main loop runs.
for sig in TERM INT; do
  launch "early-$sig"
  wait_for 30 "the app's first log line" grep -q "process start to logging" "$TMP/early-$sig.log"
  stops_cleanly "$sig" "early-$sig" "while the window was opening"
done

# 10. SIGTERM with the window closed to the background.
launch background
wait_for 60 "the window (after SIGINT and SIGTERM)" visible
WID="$(xdotool search --onlyvisible --name '^Patchbay$' | head -n1)"
"$ROOT/.cache/desktoptest" close "$WID"
wait_for 15 "the window to hide after closing it" hidden
wait_for 10 "the app to log that it keeps checking" grep -q "keeps checking in the background" "$TMP/background.log"
stops_cleanly TERM background "with the window closed to the background"
echo "desktop: 1 passed, 0 failed"
