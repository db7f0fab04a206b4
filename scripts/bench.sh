#!/usr/bin/env bash
# Benchmarks with their targets (`make bench`; not part of `make test`): runs
# each Go benchmark with its own -benchtime, then the Integrations page
# benchmark in headless Chromium, then the desktop start-up benchmark
# (scripts/bench-startup.sh: first paint, idle memory and binary size beside
# the bare Wails template under Xvfb), and prints one line per figure:
#   name  value  target  PASS | FALLS SHORT
# It fails only when a benchmark could not run (or found wrong results), not
# when a figure falls short of its target; BENCH_STRICT=1 fails then too.
# Usage: PATCHBAY_BIN=/abs/path/to/patchbay scripts/bench.sh
#        (SKIP_UI=1 skips the Integrations page benchmark, SKIP_DESKTOP=1
#        the desktop start-up one (scripts/bench-startup.sh); BENCH_ONLY=regexp
#        runs only the Go benchmarks whose name matches.)
set -euo pipefail
cd "$(dirname "$0")/.."

# package | benchmark | -benchtime | metric unit | op | target | what the figure is
GO_BENCHES=(
  "./backend/service|BenchmarkSweepRealPath|2x|x-ideal|<=|1.15|sweep of 4 hosts x 50 connections, real check path, default limits, / ideal incl. token bucket"
  "./backend/health|BenchmarkHungHostFairness|10x|with-hung/alone|<=|1.2|a healthy host's 10 checks next to 20 hung connections / the same checks alone"
  "./backend/oauth|BenchmarkRefresh100Callers|20x|refreshes|==|1|refreshes reaching the provider for 100 concurrent callers"
  "./backend/oauth|BenchmarkRefresh100Callers|20x|p99/single|<=|1.5|p99 wait of 100 callers / one refresh"
  "./backend/oauth|BenchmarkRefreshesPer1000Uses|3x|refreshes/1000uses|<=|11|refreshes caused by 1,000 uses over 10 minutes (injected clock) of a 120 s token"
  "./backend/runs|BenchmarkResume1000Parked|2x|resume/fresh|<=|1.10|resume 1,000 parked runs / 1,000 fresh runs, 3 steps each"
  "./backend/store|BenchmarkAddCheck|5000x|ms/check|<|1|AddCheck write cost (check + hourly + daily rollup, own transaction)"
  "./backend/store|BenchmarkDashboardQueries1M|1x|ms-uptime-30d-daily|<|20|30-day uptime of 1,000 connections (check_daily), 1M checks"
  "./backend/store|BenchmarkDashboardQueries1M|1x|ms-uptime-24h-hourly|<|20|24-hour uptime of 1,000 connections (check_hourly), 1M checks"
  "./backend/store|BenchmarkDashboardQueries1M|1x|ms-last-50-checks|<|20|one connection's last 50 checks (checks), 1M checks"
)

rows=()   # name|value|op|target|what
failed=0
runs=0
declare -A ran=()   # "pkg|bench|time" -> output file

# Every Go benchmark needs a line above, so none runs without its target.
for b in $(grep -rhoE '^func Benchmark[A-Za-z0-9_]+' --include='*_test.go' . --exclude-dir=node_modules --exclude-dir=frontend | sed 's/^func //' | sort -u); do
  if ! printf '%s\n' "${GO_BENCHES[@]}" | grep -q "|$b|"; then
    echo "bench: $b has no target in scripts/bench.sh" >&2
    exit 1
  fi
done

# Timings depend on what else the machine is doing: say how busy it was.
load() { echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"; }
load_before=$(load)

out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT

for spec in "${GO_BENCHES[@]}"; do
  IFS='|' read -r pkg bench benchtime metric op target what <<<"$spec"
  if [ -n "${BENCH_ONLY:-}" ] && ! [[ $bench =~ $BENCH_ONLY ]]; then
    continue
  fi
  key="$pkg|$bench|$benchtime"
  if [ -z "${ran[$key]:-}" ]; then
    runs=$((runs + 1))
    file="$out_dir/$runs.txt"
    echo "== go test -bench '^$bench\$' -benchtime $benchtime $pkg"
    if ! go test -run '^$' -bench "^$bench\$" -benchtime "$benchtime" -timeout 30m "$pkg" >"$file" 2>&1; then
      cat "$file" >&2
      echo "bench: $bench in $pkg failed" >&2
      failed=1
    fi
    ran[$key]=$file
  fi
  # A result line: BenchmarkName-2  N  ns/op  v1 unit1  v2 unit2 ...
  value=$(awk -v b="$bench" -v m="$metric" '$1 ~ "^"b"(-[0-9]+)?$" { for (i = 3; i < NF; i++) if ($(i+1) == m) v = $i } END { print v }' "${ran[$key]}")
  rows+=("$bench $metric|${value:-}|$op|$target|$what")
done

if [ "${SKIP_UI:-}" != 1 ]; then
  : "${PATCHBAY_BIN:?set PATCHBAY_BIN to the absolute path of the built patchbay binary (or SKIP_UI=1)}"
  export PATCHBAY_BIN CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
  echo "== node frontend/bench/integrations.bench.mjs"
  file="$out_dir/ui.txt"
  if ! (cd frontend && node bench/integrations.bench.mjs) >"$file" 2>&1; then
    cat "$file" >&2
    echo "bench: the Integrations page benchmark failed" >&2
    failed=1
  fi
  grep -v "^BENCH " "$file" || true
  for name in integrations-first-render-10k integrations-filter-per-key; do
    line=$(grep "^BENCH $name " "$file" || true)
    read -r _ _ value unit op target <<<"${line:-x x}"
    case $name in
      integrations-first-render-10k) what="Integrations page, 10,000 connections: navigation to rows painted (page, ListConnections, parse, render), $unit" ;;
      *) what="Integrations page, 10,000 connections: filter keystroke to next paint (median), $unit" ;;
    esac
    rows+=("$name|${value:-}|${op:-<}|${target:-?}|$what")
  done
fi

if [ "${SKIP_DESKTOP:-}" != 1 ]; then
  : "${PATCHBAY_BIN:?set PATCHBAY_BIN to the absolute path of the built patchbay binary (or SKIP_DESKTOP=1)}"
  echo "== scripts/bench-startup.sh (the desktop window beside the bare Wails template)"
  file="$out_dir/desktop.txt"
  if ! PATCHBAY_BIN="$PATCHBAY_BIN" scripts/bench-startup.sh >"$file" 2>&1; then
    cat "$file" >&2
    echo "bench: the desktop start-up benchmark failed" >&2
    failed=1
  fi
  grep -v "^BENCH " "$file" | grep -v '^dbus-daemon' || true
  for name in desktop-first-paint desktop-idle-memory desktop-binary-size; do
    line=$(grep "^BENCH $name " "$file" || true)
    read -r _ _ value unit op target <<<"${line:-x x}"
    case $name in
      desktop-first-paint) what="desktop window: process start to first painted screen, Patchbay / bare Wails template (median, same run, Xvfb)" ;;
      desktop-idle-memory) what="desktop window: resident memory of the process and its WebKit children when idle, Patchbay / template" ;;
      *) what="stripped desktop binary, Patchbay / template (same build flags)" ;;
    esac
    rows+=("$name|${value:-}|${op:-<=}|${target:-?}|$what")
  done
fi

echo
printf '%-60s %12s %10s  %s\n' "figure" "value" "target" "result"
short=0
for r in "${rows[@]}"; do
  IFS='|' read -r name value op target what <<<"$r"
  if [ -z "$value" ]; then
    result="NO FIGURE"
    failed=1
  elif awk -v v="$value" -v t="$target" -v op="$op" 'BEGIN { ok = (op == "<" && v < t) || (op == "<=" && v <= t) || (op == "==" && v == t); exit !ok }'; then
    result="PASS"
  else
    result="FALLS SHORT"
    short=$((short + 1))
  fi
  printf '%-60s %12s %10s  %s\n' "$name" "${value:--}" "$op $target" "$result"
  printf '    %s\n' "$what"
done
echo
echo "== bench: ${#rows[@]} figures, $short falling short of their targets (machine: $load_before before, $(load) after)"
if [ "$failed" != 0 ]; then
  exit 1
fi
if [ "${BENCH_STRICT:-}" = 1 ] && [ "$short" != 0 ]; then
  exit 1
fi
