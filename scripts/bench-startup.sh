#!/usr/bin/env bash
# Desktop start-up benchmark (part of `make bench`): builds the bare Wails
# v2.16.0 svelte-ts template (with the Svelte 5 mount fix and the same pinned
# svelte, vite and plugin versions as Patchbay) and starts it and Patchbay
# alternately under one Xvfb display, in the same run and the same D-Bus
# session (with an unlocked gnome-keyring when there is one, as on a desktop).
# scripts/firstpaint measures each start from the outside: process start to
# the first screen that shows painted content, then the resident memory of
# the process and its WebKit children after IDLE seconds.
#
# Prints, for bench.sh, one line per figure:
#   BENCH name value unit op target
# (first paint, idle memory and binary size as ratios of Patchbay to the
# template) and the medians behind them.
#
# Usage: PATCHBAY_BIN=/abs/path/to/patchbay scripts/bench-startup.sh
#   SIZE_ONLY=1 builds the template (once) and prints only the binary size
#   figure (scripts/size-check.sh, in make test, checks the same budget).
#   RUNS=N measured starts of each app (default 5; one more unmeasured warm-up
#   each), IDLE=seconds before reading memory (default 3).
# Needs: the Wails CLI (scripts/deps.sh), Xvfb, libx11-dev, npm registry
# access the first time (the template's node_modules are cached in .cache/).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

: "${PATCHBAY_BIN:?set PATCHBAY_BIN to the absolute path of the built patchbay binary}"
RUNS="${RUNS:-5}"
IDLE="${IDLE:-3}"
WAILS="${WAILS:-$(go env GOPATH)/bin/wails}"
WAILS_VERSION=v2.16.0
CACHE="$ROOT/.cache/bench-startup"
TEMPLATE="$CACHE/template-$WAILS_VERSION"
TEMPLATE_BIN="$TEMPLATE/build/bin/template"
mkdir -p "$CACHE"

for tool in Xvfb pkg-config; do
  command -v "$tool" >/dev/null || { echo "bench-startup: '$tool' is missing (apt-get install xvfb libx11-dev)" >&2; exit 2; }
done
wails_version="$("$WAILS" version 2>/dev/null || true)"
[[ $wails_version == "$WAILS_VERSION"* ]] || { echo "bench-startup: need the Wails CLI $WAILS_VERSION at $WAILS (scripts/deps.sh installs it)" >&2; exit 2; }

# The bare template, built like Patchbay (-tags webkit2_41 -trimpath -s -w).
if [ ! -x "$TEMPLATE_BIN" ]; then
  echo "== building the bare Wails $WAILS_VERSION svelte-ts template (once; cached in $TEMPLATE)"
  rm -rf "$TEMPLATE"
  "$WAILS" init -n template -t svelte-ts -d "$TEMPLATE" >/dev/null
  # The template pins @sveltejs/vite-plugin-svelte ^6, which refuses its own
  # Vite 8 (npm ERESOLVE): use Patchbay's exact svelte, vite and plugin
  # versions so the comparison is of the apps, not of the toolchains.
  cat >"$TEMPLATE/frontend/package.json" <<'EOF'
{
  "name": "frontend",
  "private": true,
  "version": "0.0.0",
  "type": "module",
  "scripts": { "build": "vite build" },
  "devDependencies": {
    "@sveltejs/vite-plugin-svelte": "7.3.1",
    "@tsconfig/svelte": "5.0.8",
    "svelte": "5.57.3",
    "svelte-preprocess": "6.0.3",
    "typescript": "5.9.3",
    "vite": "8.3.8"
  }
}
EOF
  # Svelte 5 mounts with mount(); the template's `new App()` renders nothing.
  cat >"$TEMPLATE/frontend/src/main.ts" <<'EOF'
import './style.css'
import { mount } from 'svelte'
import App from './App.svelte'

const app = mount(App, { target: document.getElementById('app')! })

export default app
EOF
  (cd "$TEMPLATE/frontend" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  (cd "$TEMPLATE" && "$WAILS" build -tags webkit2_41 -trimpath -ldflags "-s -w" -o template >"$CACHE/template-build.log" 2>&1) \
    || { cat "$CACHE/template-build.log" >&2; echo "bench-startup: the template did not build" >&2; exit 1; }
fi
# SIZE_ONLY=1: just the binary size figure (no display, no starts).
if [ "${SIZE_ONLY:-}" = 1 ]; then
  ts=$(stat -c %s "$TEMPLATE_BIN"); ps=$(stat -c %s "$PATCHBAY_BIN")
  echo "binary size: template $ts bytes ($(go env GOVERSION)), Patchbay $ps bytes"
  awk -v a="$ps" -v b="$ts" 'BEGIN { r = a / b * 1000; i = int(r); if (i < r) i++; printf "BENCH desktop-binary-size %.3f x-template <= 2\n", i / 1000 }'
  exit 0
fi
go build -o "$CACHE/firstpaint" ./scripts/firstpaint

# One virtual display for every start; firstpaint checks it is blank before
# each one (no window manager: the root window is black between apps).
DISPLAY_NUM=""
for n in $(seq 141 180); do
  if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then DISPLAY_NUM=$n; break; fi
done
[ -n "$DISPLAY_NUM" ] || { echo "bench-startup: no free X display between 141 and 180" >&2; exit 1; }
TMP="$(mktemp -d)"
Xvfb ":$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp >"$TMP/xvfb.log" 2>&1 &
XVFB_PID=$!
trap 'kill $XVFB_PID 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break; sleep 0.1; done
[ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] || { cat "$TMP/xvfb.log" >&2; echo "bench-startup: Xvfb did not start" >&2; exit 1; }
export DISPLAY=":$DISPLAY_NUM"

# Runs inside one D-Bus session (below): measure APP LABEL.
cat >"$TMP/runs.sh" <<'EOF'
set -eu
if command -v gnome-keyring-daemon >/dev/null; then
  echo -n bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
fi
one() { # one LABEL CMD...: one start; appends its figures to $TMP/LABEL.txt
  label=$1; shift
  "$FIRSTPAINT" -idle "${IDLE}s" -timeout 120s -- "$@" >>"$TMP/$label.txt" 2>>"$TMP/$label.log" \
    || { echo "bench-startup: $label did not start (log follows)" >&2; tail -n 30 "$TMP/$label.log" >&2; exit 1; }
}
# A user's launch: an existing data directory, schema already current.
template() { one "$1" "$TEMPLATE_BIN"; }
patchbay() { one "$1" "$PATCHBAY_BIN" --data-dir "$TMP/data"; }
# Warm-up (font caches, the accessibility bus, the database's first
# migration), not counted; then alternate which app starts first.
template warmup; patchbay warmup
for i in $(seq 1 "$RUNS"); do
  if [ $((i % 2)) = 1 ]; then template template; patchbay patchbay; else patchbay patchbay; template template; fi
done
EOF
# A fresh keyring directory: an existing login keyring with another
# password would make gnome-keyring prompt (a window on the screen).
export XDG_DATA_HOME="$TMP/xdg-data"
mkdir -p "$XDG_DATA_HOME"
echo "== $RUNS starts each of the template and Patchbay (alternating; $IDLE s idle before reading memory)"
TMP="$TMP" FIRSTPAINT="$CACHE/firstpaint" TEMPLATE_BIN="$TEMPLATE_BIN" PATCHBAY_BIN="$PATCHBAY_BIN" IDLE="$IDLE" RUNS="$RUNS" \
  dbus-run-session -- bash "$TMP/runs.sh" 2>"$TMP/dbus.log" || { cat "$TMP/dbus.log" >&2; exit 1; }

# median LABEL FIELD
median() {
  sed -n "s/.*\b$2=\([0-9]*\).*/\1/p" "$TMP/$1.txt" | sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
mem() { awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "rss_main_kb" || kv[1] == "rss_children_kb") s += kv[2] } print s; s = 0 }' "$TMP/$1.txt" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# ratio A B: A/B rounded UP to 3 decimals, so 2.0003 reads 2.001, not a PASS.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { r = a / b * 1000; i = int(r); if (i < r) i++; printf "%.3f", i / 1000 }'; }

for app in template patchbay; do
  echo "$app: $(tr '\n' ';' <"$TMP/$app.txt" | sed 's/;/; /g')"
done
tp=$(median template first_paint_ms); pp=$(median patchbay first_paint_ms)
tm=$(mem template); pm=$(mem patchbay)
ts=$(stat -c %s "$TEMPLATE_BIN"); ps=$(stat -c %s "$PATCHBAY_BIN")
echo "first paint (median of $RUNS): template ${tp} ms, Patchbay ${pp} ms"
echo "idle memory, process + WebKit children (median): template $((tm / 1024)) MiB, Patchbay $((pm / 1024)) MiB"
echo "binary size: template $((ts / 1024)) KiB, Patchbay $((ps / 1024)) KiB"
# The figure: the median over the runs of each run's Patchbay/template
# ratio (the two starts of a run are seconds apart, so they share the
# machine's load; the ratio of the medians is printed beside it).
pair=$(paste -d' ' <(sed -n 's/.*first_paint_ms=\([0-9]*\).*/\1/p' "$TMP/patchbay.txt") <(sed -n 's/.*first_paint_ms=\([0-9]*\).*/\1/p' "$TMP/template.txt") |
  awk '{ print $1 / $2 }' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "first paint ratio: median of the runs' ratios $(ratio "$pair" 1), ratio of the medians $(ratio "$pp" "$tp")"
echo "BENCH desktop-first-paint $(ratio "$pair" 1) x-template <= 1.2"
echo "BENCH desktop-idle-memory $(ratio "$pm" "$tm") x-template <= 1.2"
echo "BENCH desktop-binary-size $(ratio "$ps" "$ts") x-template <= 2"
