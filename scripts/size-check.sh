#!/usr/bin/env bash
# Binary size budget (issue 18; `make size`, part of `make test` after the
# build): the stripped desktop binary must stay within 2x the bare Wails
# v2.16.0 svelte-ts template built with the same flags (-tags webkit2_41
# -trimpath -ldflags "-s -w"). `make bench` prints the same ratio
# (scripts/bench-startup.sh builds the template there).
#
# Building the template takes a minute and needs npm, so this check does not:
# it compares with the template binary make bench left in
# .cache/bench-startup/ when there is one, else with TEMPLATE_BYTES below,
# the template's size measured here with the Go and Wails versions named
# beside it. When the Go toolchain changes, run `make bench` (or
# `SIZE_ONLY=1 PATCHBAY_BIN=... scripts/bench-startup.sh`) and update
# TEMPLATE_BYTES and TEMPLATE_GO from its "binary size" line.
#
# To see what grew: go build -tags webkit2_41,desktop,production -trimpath -o /tmp/pb .
# && go tool nm -size -sort size /tmp/pb | head -50 (and compare packages).
#
# Usage: PATCHBAY_BIN=/abs/path/to/patchbay scripts/size-check.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

# The bare template, scripts/bench-startup.sh's build, on 2026-12-04.
TEMPLATE_BYTES=8786664
TEMPLATE_GO=go1.26.8
TEMPLATE_BIN="$ROOT/.cache/bench-startup/template-v2.16.0/build/bin/template"
MAX_RATIO=2

: "${PATCHBAY_BIN:?set PATCHBAY_BIN to the absolute path of the built patchbay binary (make build)}"
[ -f "$PATCHBAY_BIN" ] || { echo "size-check: $PATCHBAY_BIN does not exist (make build)" >&2; exit 2; }
ps=$(stat -c %s "$PATCHBAY_BIN")
if [ -x "$TEMPLATE_BIN" ]; then
  ts=$(stat -c %s "$TEMPLATE_BIN")
  from="built by make bench in .cache/bench-startup"
else
  ts=$TEMPLATE_BYTES
  from="recorded in scripts/size-check.sh with $TEMPLATE_GO"
  if [ "$(go env GOVERSION)" != "$TEMPLATE_GO" ]; then
    from="$from; this is $(go env GOVERSION): run make bench to measure the template again"
  fi
fi
budget=$((ts * MAX_RATIO))
# rounded UP to 3 decimals, as make bench prints it
ratio=$(awk -v a="$ps" -v b="$ts" 'BEGIN { r = a / b * 1000; i = int(r); if (i < r) i++; printf "%.3f", i / 1000 }')
echo "binary size: Patchbay $ps bytes, template $ts bytes ($from): ${ratio}x, budget ${MAX_RATIO}x = $budget bytes, $((budget - ps)) bytes left"
if [ "$ps" -gt "$budget" ]; then
  echo "size-check: FAILS: the desktop binary is more than ${MAX_RATIO}x the bare Wails template (issue 18)." >&2
  echo "  See what grew: go tool nm -size -sort size on an unstripped build (and -ldflags=-dumpdep)." >&2
  echo "  Costly here before: a dependency for a small thing (go-oidc, backoff), html/template's execution, generic" >&2
  echo "  functions written out per type shape (RPC adapters, slices.SortFunc on a new struct, closures in generic" >&2
  echo "  helpers), method values (s.Method) and embedded pointers (*Part in a struct): the Wails binding calls" >&2
  echo "  methods by reflection, so the linker keeps every exported method and wrapper of such types." >&2
  exit 1
fi
echo "size-check: PASS"
