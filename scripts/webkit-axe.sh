#!/usr/bin/env bash
# axe-core in the desktop window's engine (WebKitGTK 4.1): starts Xvfb,
# `patchbay serve --demo` and WebKitWebDriver (Debian webkit2gtk-driver, the
# same WebKitGTK as the window), then runs frontend/e2e-webkit/axe-webkit.mjs
# in light and in dark mode (GTK_THEME=Adwaita:dark).
# Usage: PATCHBAY_BIN=/abs/path/to/patchbay scripts/webkit-axe.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
require_abs_bin webkit-axe
for tool in Xvfb WebKitWebDriver node; do
  command -v "$tool" >/dev/null || { echo "webkit-axe: '$tool' is missing (scripts/deps.sh installs xvfb and webkit2gtk-driver)" >&2; exit 2; }
done
TMP="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "webkit-axe: FAIL: $*" >&2; for f in "$TMP"/*.log; do echo "--- $f" >&2; tail -n 20 "$f" >&2; done; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

DISPLAY_NUM=""
for n in $(seq 221 260); do
  if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then DISPLAY_NUM=$n; break; fi
done
[ -n "$DISPLAY_NUM" ] || fail "no free X display between 221 and 260"
Xvfb ":$DISPLAY_NUM" -screen 0 1280x900x24 -nolisten tcp >"$TMP/xvfb.log" 2>&1 &
PIDS+=($!)
export DISPLAY=":$DISPLAY_NUM"
wait_for 10 "Xvfb" test -e "/tmp/.X11-unix/X$DISPLAY_NUM"

PATCHBAY_DATA_DIR="" "$PATCHBAY_BIN" serve --demo --addr 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.log" &
PIDS+=($!)
wait_for 30 "patchbay serve to print its URL" grep -q "Patchbay is running at" "$TMP/serve.out"
APP_URL="$(grep -oE 'http://[^ ]+' "$TMP/serve.out" | head -n1)"

for scheme in light dark; do
  port="$(free_port)"
  if [ "$scheme" = dark ]; then theme=Adwaita:dark; else theme=Adwaita; fi
  GTK_THEME=$theme WebKitWebDriver --port="$port" >"$TMP/driver-$scheme.log" 2>&1 &
  driver=$!
  PIDS+=("$driver")
  wait_for 15 "WebKitWebDriver on port $port" curl -fs "http://127.0.0.1:$port/status" -o /dev/null
  (cd "$ROOT/frontend" && GTK_THEME=$theme SCHEME=$scheme DRIVER="http://127.0.0.1:$port" APP_URL="$APP_URL" node e2e-webkit/axe-webkit.mjs) || fail "axe in WebKitGTK ($scheme)"
  kill "$driver" 2>/dev/null || true
done
echo "webkit-axe: 1 passed, 0 failed"
