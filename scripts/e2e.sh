#!/usr/bin/env bash
# End-to-end tests: the built binary in `serve --demo` mode, driven in
# Debian's headless chromium through playwright-core.
# Usage: PATCHBAY_BIN=/abs/path/to/patchbay scripts/e2e.sh
set -euo pipefail

: "${PATCHBAY_BIN:?set PATCHBAY_BIN to the absolute path of the built patchbay binary}"
case "$PATCHBAY_BIN" in
  /*) ;;
  *) echo "e2e: PATCHBAY_BIN must be an absolute path, got '$PATCHBAY_BIN'" >&2; exit 2 ;;
esac
if [ ! -x "$PATCHBAY_BIN" ]; then
  echo "e2e: $PATCHBAY_BIN is not an executable file (run 'make build' first)" >&2
  exit 2
fi
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "e2e: no chromium at $CHROMIUM (apt-get install chromium)" >&2
  exit 2
fi
export PATCHBAY_BIN

cd "$(dirname "$0")/../frontend"
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund
fi
node --test --test-reporter=spec e2e/
