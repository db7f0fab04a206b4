#!/usr/bin/env bash
# Desktop smoke test of the REAL Wails binary under Xvfb: open the window in
# --demo mode, add an integration with the keyboard only (Ctrl+N, type, Tab,
# Enter to validate, Enter to save) and check that the Go side saved it.
# Usage: PATCHBAY_BIN=/abs/path/to/patchbay scripts/smoke-xvfb.sh
# Needs: xvfb xdotool imagemagick (Debian packages).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
require_abs_bin smoke
[ -x "$PATCHBAY_BIN" ] || { echo "smoke: $PATCHBAY_BIN is not executable (run 'make build' first)" >&2; exit 2; }
for tool in Xvfb xdotool import identify compare; do
  command -v "$tool" >/dev/null || { echo "smoke: '$tool' is missing (apt-get install xvfb xdotool imagemagick)" >&2; exit 2; }
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ARTIFACTS="${ARTIFACTS:-$ROOT/test-results/smoke}"
mkdir -p "$ARTIFACTS"
ARTIFACTS="$(cd "$ARTIFACTS" && pwd)"
rm -f "$ARTIFACTS"/*.png "$ARTIFACTS"/app.log
TMP="$(mktemp -d)"
# The fake providers listen on a free port unless SMOKE_FAKE_ADDR names one;
# their address is read from the app's log.
FAKE_ADDR="${SMOKE_FAKE_ADDR:-}"
KEY="demo-key-valid-0001"
XVFB_PID=""
APP_PID=""

cleanup() {
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then
    kill "$APP_PID" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.3; done
    kill -9 "$APP_PID" 2>/dev/null || true
  fi
  if [ -n "$XVFB_PID" ]; then kill "$XVFB_PID" 2>/dev/null || true; fi
  [ -f "$TMP/app.log" ] && cp "$TMP/app.log" "$ARTIFACTS/app.log"
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "smoke: FAIL: $*" >&2
  echo "----- app.log -----" >&2
  cat "$TMP/app.log" >&2 2>/dev/null || true
  echo "-------------------" >&2
  echo "smoke: screenshots kept in $ARTIFACTS" >&2
  echo "smoke: 0 passed, 1 failed"
  exit 1
}

colours() { identify -format '%k' "$1" 2>/dev/null || echo 0; }
shot() { import -window root "$1" 2>/dev/null; }
# differ A B: how many pixels of two screenshots differ.
differ() { compare -metric AE "$1" "$2" null: 2>&1 | awk '{print int($1)}' || true; }

# wait_for SECONDS WHAT COMMAND...: runs COMMAND every 0.2 s until it
# succeeds; fails the smoke, naming WHAT, after SECONDS or if the app exits.
wait_for() {
  local secs=$1 what=$2
  shift 2
  local deadline=$((SECONDS + secs))
  until "$@"; do
    if [ -n "$APP_PID" ] && ! kill -0 "$APP_PID" 2>/dev/null; then fail "the app exited while waiting for $what"; fi
    [ "$SECONDS" -lt "$deadline" ] || fail "gave up after ${secs} s waiting for $what"
    sleep 0.2
  done
}
# settled: two screenshots 0.3 s apart differ in fewer pixels than a
# blinking text caret would change.
settled() {
  shot "$TMP/settle-a.png" && sleep 0.3 && shot "$TMP/settle-b.png" || return 1
  [ "$(differ "$TMP/settle-a.png" "$TMP/settle-b.png")" -lt 200 ]
}
# changed_from PNG: the screen differs from PNG in more than 500 pixels.
changed_from() {
  shot "$TMP/now.png" || return 1
  [ "$(differ "$1" "$TMP/now.png")" -gt 500 ]
}
# app_shown: the app replaced the start-up shell of frontend/index.html (the
# first frame, before any script runs; it takes no keys), whose header is
# empty at its right end where the app's has the bell and the "?" button.
app_shown() {
  shot "$TMP/app.png" || return 1
  [ "$(convert "$TMP/app.png" -crop 160x56+1120+0 +repage -format '%k' info: 2>/dev/null || echo 0)" -gt 4 ]
}
# log_count PATTERN: how many app.log lines match PATTERN (extended regex).
log_count() { grep -cE "$1" "$TMP/app.log" 2>/dev/null || true; }
# log_grew PATTERN N: more than N app.log lines match PATTERN.
log_grew() { [ "$(log_count "$1")" -gt "$2" ]; }

# A free display number: no lock file and no socket.
DISPLAY_NUM=""
for n in $(seq 97 140); do
  if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then DISPLAY_NUM=$n; break; fi
done
[ -n "$DISPLAY_NUM" ] || fail "no free X display number between 97 and 140"
# -ardelay: no key autorepeat while xdotool types (under load a key-up
# arriving after the default 660 ms repeated the key: "43919" typed as
# "439119").
Xvfb ":$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp -ardelay 600000 >"$TMP/xvfb.log" 2>&1 &
XVFB_PID=$!
export DISPLAY=":$DISPLAY_NUM"
for _ in $(seq 1 50); do
  [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break
  kill -0 "$XVFB_PID" 2>/dev/null || fail "Xvfb exited: $(cat "$TMP/xvfb.log")"
  sleep 0.2
done
[ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] || fail "Xvfb did not start on $DISPLAY"

PATCHBAY_DEMO_FAKE_ADDR="$FAKE_ADDR" "$PATCHBAY_BIN" --demo --data-dir "$TMP/data" >"$TMP/app.out" 2>"$TMP/app.log" &
APP_PID=$!
FAKE_LINE='msg="demo mode: fake providers running" url=http://'
wait_for 30 "the fake providers to start (app.log line: $FAKE_LINE…)" log_grew "$FAKE_LINE" 0
FAKE_ADDR="$(grep -m1 -oE "${FAKE_LINE}[^ ]+" "$TMP/app.log" | sed 's#.*url=http://##')"
[ -n "$FAKE_ADDR" ] || fail "could not read the fake providers' address from app.log"

# --onlyvisible: GTK's hidden leader window is named after the binary, and
# xdotool matches names case-insensitively. The first WebKit start on a
# fresh machine can be slow (font caches), hence the generous timeout.
WID="$(timeout "${SMOKE_WINDOW_TIMEOUT:-60}" xdotool search --sync --onlyvisible --name '^Patchbay$' 2>/dev/null | head -n1 || true)"
[ -n "$WID" ] || { kill -0 "$APP_PID" 2>/dev/null || fail "the app exited before opening a window"; fail "no window named Patchbay within ${SMOKE_WINDOW_TIMEOUT:-60} s"; }

# Wait until the page has painted (a blank window has a handful of colours).
painted=""
for _ in $(seq 1 30); do
  shot "$ARTIFACTS/before.png" || true
  if [ "$(colours "$ARTIFACTS/before.png")" -gt 50 ]; then painted=yes; break; fi
  kill -0 "$APP_PID" 2>/dev/null || fail "the app exited while starting"
  sleep 1
done
[ -n "$painted" ] || fail "window stayed blank"
wait_for 30 "the app to replace the start-up shell (the bell and ? at the top right)" app_shown
# The first data load (catalogue, workspaces, seeded list) repaints the page.
wait_for 20 "the window to stop repainting after the first load" settled
shot "$ARTIFACTS/before.png"

# Keyboard focus: activate the window; without a window manager that may
# fail, so click an empty spot of the page instead.
xdotool windowactivate --sync "$WID" >/dev/null 2>&1 || xdotool windowfocus --sync "$WID" >/dev/null 2>&1 || true
xdotool mousemove 640 26 click 1 # the empty middle of the top bar

# --demo seeds connections at start; only a generic_api_key connection created
# after this point proves that our keystrokes reached the Go binding.
created_before="$(grep -c 'msg="connection created"' "$TMP/app.log" || true)"

# Add integration form: Label (focused), Base URL, Header name (prefilled),
# API key, Validation URL; Enter validates, then Enter on the focused Save.
xdotool key --clearmodifiers ctrl+n
wait_for 15 "Ctrl+N to open the Add integration form" changed_from "$ARTIFACTS/before.png"
wait_for 15 "the Add integration form to settle" settled
xdotool type --delay 30 "Smoke API"
xdotool key Tab
xdotool type --delay 30 "http://$FAKE_ADDR"
xdotool key Tab
xdotool key Tab
xdotool type --delay 30 "$KEY"
xdotool key Tab
xdotool type --delay 30 "/generic/v1/me"
VALIDATED='msg="validated connection" provider=generic_api_key'
validated_before="$(log_count "$VALIDATED")"
xdotool key Return
wait_for 20 "the backend to validate the key (a new app.log line: $VALIDATED)" log_grew "$VALIDATED" "$validated_before"
wait_for 15 "the form to show the validation" settled
shot "$ARTIFACTS/validated.png"
xdotool key Return
wait_for 20 "the backend to save the integration (a new 'connection created' line)" log_grew 'msg="connection created"' "$created_before"
wait_for 15 "the window to settle after saving" settled
shot "$ARTIFACTS/after.png"

kill -0 "$APP_PID" 2>/dev/null || fail "the app exited during the test"
[ "$(colours "$ARTIFACTS/after.png")" -gt 50 ] || fail "after.png is blank"
# Saving closes the form: the window differs from the validated form. (Not
# from before.png: the new row sorts below the fold and the toast may have
# gone by the time a slow machine settles, leaving only the count changed.)
diff_px="$(compare -metric AE "$ARTIFACTS/validated.png" "$ARTIFACTS/after.png" "$TMP/diff.png" 2>&1 >/dev/null | awk '{print int($1)}' || true)"
[ "${diff_px:-0}" -gt 500 ] || fail "the form did not close after saving (only ${diff_px:-0} pixels differ from the validated form)"
created_now="$(grep -c 'msg="connection created"' "$TMP/app.log" || true)"
new_lines="$(grep 'msg="connection created"' "$TMP/app.log" | tail -n +"$((created_before + 1))" || true)"
[ "$created_now" -gt "$created_before" ] && grep -q 'provider=generic_api_key' <<<"$new_lines" \
  || fail "app.log has no new 'connection created' line for generic_api_key: the Go binding did not save the integration"

echo "smoke: window changed in $diff_px pixels; the backend logged the new connection"
echo "smoke: screenshots in $ARTIFACTS"
echo "smoke: 1 passed, 0 failed"
