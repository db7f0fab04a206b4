#!/usr/bin/env bash
# "Start at login" under a real XDG autostart implementation: dex (Debian's
# DesktopEntry Execution, `dex --autostart`, what i3, Openbox and other
# window managers run at login) reads ~/.config/autostart as a session does
# (Exec with its quoting, Hidden, OnlyShowIn/NotShowIn, TryExec). Under Xvfb,
# in a D-Bus session of its own with an unlocked gnome-keyring:
#   1. `patchbay serve` turns on Start at login: the app writes the entry
#      (desktop-file-validate accepts it; X-GNOME-Autostart-enabled=true for
#      gnome-session, which dex does not read);
#   2. a login (dex --autostart) starts the window from the entry, with the
#      data directory (its path has a space) passed through Exec's quoting;
#      the window carries Patchbay's icon;
#   3. a second login-launch exits and brings the first window to the front
#      (one instance per data directory);
#   4. with the program gone, TryExec makes the login skip the entry;
#   5. Start at login turned off removes the entry: a login starts nothing.
# Usage: PATCHBAY_BIN=/abs/path/to/patchbay scripts/desktop-login.sh
# Needs: xvfb xdotool x11-utils dbus gnome-keyring dex desktop-file-utils curl python3.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
require_abs_bin login

if [ "${1:-}" != --in-session ]; then
  for tool in Xvfb xdotool xprop dbus-run-session gnome-keyring-daemon dex desktop-file-validate curl python3 convert; do
    command -v "$tool" >/dev/null || { echo "login: '$tool' is missing (scripts/deps.sh installs it)" >&2; exit 2; }
  done
  TMP="$(mktemp -d)"
  export TMP
  trap 'rm -rf "$TMP"' EXIT
  # A fresh keyring, autostart and config directory; no system autostart
  # entries (/etc/xdg/autostart) in the login.
  export XDG_DATA_HOME="$TMP/xdg-data" XDG_CONFIG_HOME="$TMP/config" XDG_CONFIG_DIRS="$TMP/xdg-config-dirs"
  mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CONFIG_DIRS"
  dbus-run-session -- "$0" --in-session
  exit
fi

ARTIFACTS="${ARTIFACTS:-$ROOT/test-results/desktop-login}"
mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.log
# The program as a package or a user would have it, in a directory whose
# path has a space (Exec quoting), so step 4 can take it away.
BIN_DIR="$TMP/opt/patch bay"
mkdir -p "$BIN_DIR"
cp "$PATCHBAY_BIN" "$BIN_DIR/patchbay"
BIN="$BIN_DIR/patchbay"
DATA="$TMP/my data"
ENTRY="$XDG_CONFIG_HOME/autostart/patchbay.desktop"
PIDS=()
APP_PID=""
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -z "$APP_PID" ] || kill "$APP_PID" 2>/dev/null || true
  cp "$TMP"/*.log "$ARTIFACTS"/ 2>/dev/null || true
  cp "$DATA/patchbay.log" "$ARTIFACTS/app.log" 2>/dev/null || true
}
trap cleanup EXIT
fail() {
  echo "login: FAIL: $*" >&2
  for f in "$TMP"/*.log "$DATA/patchbay.log"; do [ -f "$f" ] && { echo "----- $(basename "$f") -----" >&2; tail -n 40 "$f" >&2; }; done
  echo "login: 0 passed, 1 failed"
  exit 1
}
windows() { xdotool search --onlyvisible --name '^Patchbay$' 2>/dev/null || true; }
app_log() { grep -c -- "$1" "$DATA/patchbay.log" 2>/dev/null || true; }
logged() { [ "$(app_log "$1")" -gt "${2:-0}" ]; }
login() { (cd "$TMP" && dex --autostart --environment GNOME "$@"); }

printf %s patchbay-login | timeout 20 gnome-keyring-daemon --unlock --components=secrets >"$TMP/keyring.log" 2>&1 ||
  fail "gnome-keyring-daemon did not start"

start_xvfb 221 260

# 1. Turn on Start at login (through patchbay serve: the same Settings).
"$BIN" serve --data-dir "$DATA" --addr 127.0.0.1:0 --sweep-interval 0 >"$TMP/serve.out" 2>"$TMP/serve.log" &
SERVE_PID=$!
PIDS+=("$SERVE_PID")
wait_for 30 "patchbay serve to print its URL" grep -q "Patchbay is running at" "$TMP/serve.out"
URL="$(grep -oE 'http://[^ ]+' "$TMP/serve.out" | head -n1)"
BASE="${URL%%/?token=*}"
TOKEN="${URL##*token=}"
rpc() { curl -fsS -X POST -H "Authorization: Bearer $TOKEN" -H "X-Patchbay: 1" -H "Content-Type: application/json" --data "$2" "$BASE/api/rpc/$1"; }
set_login() {
  local settings updated
  settings="$(rpc GetSettings '[]')" || fail "GetSettings failed"
  updated="$(python3 -c 'import json,sys; s=json.loads(sys.argv[1]); s["startAtLogin"]=sys.argv[2]=="on"; print(json.dumps([s]))' "$settings" "$1")"
  rpc UpdateSettings "$updated" >"$TMP/settings.json" || fail "UpdateSettings (start at login $1) failed"
}
set_login on
grep -q '"startAtLogin":true' "$TMP/settings.json" || fail "Start at login did not turn on: $(cat "$TMP/settings.json")"
kill "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
[ -f "$ENTRY" ] || fail "Start at login is on but $ENTRY does not exist"
cp "$ENTRY" "$TMP/entry.log"
desktop-file-validate "$ENTRY" >"$TMP/validate.log" 2>&1 || fail "desktop-file-validate rejects the entry: $(cat "$TMP/validate.log")"
grep -qx "X-GNOME-Autostart-enabled=true" "$ENTRY" || fail "the entry is not enabled for gnome-session"
grep -qx "Hidden=true" "$ENTRY" && fail "the entry is Hidden"
echo "login: Start at login wrote a valid autostart entry"

# 2. Log in: dex starts what the entry says.
login --dry-run >"$TMP/dex-dry.log" 2>&1 || fail "dex --dry-run failed"
grep -qF "$BIN --data-dir $DATA" "$TMP/dex-dry.log" || fail "a login would not run '$BIN --data-dir $DATA': $(cat "$TMP/dex-dry.log")"
login >"$TMP/dex.log" 2>&1 || fail "dex --autostart failed"
wait_for 60 "the window after login (no visible window named Patchbay)" visible
WID="$(windows | head -n1)"
APP_PID="$(xdotool getwindowpid "$WID")" || fail "the window has no _NET_WM_PID"
tr '\0' ' ' <"/proc/$APP_PID/cmdline" | grep -qF -- "--data-dir $DATA" || fail "the window's process did not get the data directory: $(tr '\0' ' ' <"/proc/$APP_PID/cmdline")"
# _NET_WM_ICON: width, height, then ARGB pixels; (68,96) is the middle of
# the orange plug top left in packaging/patchbay.svg. The pixel the window
# must show is read from build/appicon.png (the embedded window icon), so
# redrawing or re-encoding the icon does not need this script changed.
read -r r g b a < <(convert "$ROOT/build/appicon.png" -crop 1x1+68+96 +repage -depth 8 rgba:- | od -An -tx1)
[ -n "$a" ] || fail "cannot read pixel 68,96 of build/appicon.png"
want="0x$a$r$g$b"
icon="$(xprop -id "$WID" -f _NET_WM_ICON 32x '=$0,$1,$24646' _NET_WM_ICON)"
[[ $icon == *"=0x100,0x100,$want" ]] || fail "the window's icon (_NET_WM_ICON width, height, pixel 68,96) is '$icon', not Patchbay's 256 px icon (build/appicon.png: 0x100,0x100,$want)"
echo "login: logging in started the window (pid $APP_PID) on '$DATA', with Patchbay's icon"

# 3. A second login-launch focuses the first window.
front_before=$(app_log "window brought to the front")
login >"$TMP/dex2.log" 2>&1 || fail "the second dex --autostart failed"
wait_for 20 "the second login-launch to bring the first window to the front" logged "window brought to the front" "$front_before"
[ "$(windows | wc -l)" = 1 ] || fail "there is more than one Patchbay window after a second login"
kill -0 "$APP_PID" 2>/dev/null || fail "the first window's process is gone"
echo "login: a second login-launch brought the first window to the front"

# Quit the window (SIGTERM: it closes the window and the backend).
kill "$APP_PID"
deadline=$((SECONDS + 20))
while kill -0 "$APP_PID" 2>/dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the app did not end within 20 s of SIGTERM"
  sleep 0.2
done
APP_PID=""

# 4. The program removed, the entry left behind: TryExec skips it.
mv "$BIN" "$BIN.removed"
login --dry-run >"$TMP/dex-tryexec.log" 2>&1 || fail "dex --dry-run failed"
grep -q "patchbay" "$TMP/dex-tryexec.log" && fail "with the program gone a login still runs it: $(cat "$TMP/dex-tryexec.log")"
mv "$BIN.removed" "$BIN"
echo "login: with the program gone, TryExec makes a login skip the entry"

# 5. Start at login off: the entry goes, a login starts nothing.
"$BIN" serve --data-dir "$DATA" --addr 127.0.0.1:0 --sweep-interval 0 >"$TMP/serve.out" 2>"$TMP/serve2.log" &
SERVE_PID=$!
PIDS+=("$SERVE_PID")
wait_for 30 "patchbay serve to print its URL" grep -q "Patchbay is running at" "$TMP/serve.out"
URL="$(grep -oE 'http://[^ ]+' "$TMP/serve.out" | head -n1)"
BASE="${URL%%/?token=*}"
TOKEN="${URL##*token=}"
set_login off
kill "$SERVE_PID"
[ ! -e "$ENTRY" ] || fail "Start at login is off but $ENTRY is still there"
login --dry-run >"$TMP/dex-off.log" 2>&1 || fail "dex --dry-run failed"
grep -q "patchbay" "$TMP/dex-off.log" && fail "with Start at login off a login still runs patchbay: $(cat "$TMP/dex-off.log")"
echo "login: Start at login off removed the entry; a login starts nothing"
echo "login: 1 passed, 0 failed"
