#!/usr/bin/env bash
# Installs the built .deb on this machine (dpkg -i, as root), checks what it
# installed (binary, desktop entry, icons, AppStream metadata, man page),
# runs `patchbay version` and the Xvfb smoke test against /usr/bin/patchbay,
# then removes the package again and checks that the user's data stayed.
# Usage: scripts/package-test.sh [build/patchbay_VERSION_amd64.deb]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
deb="${1:-$(ls "$ROOT"/build/patchbay_*.deb 2>/dev/null | head -n1)}"
[ -f "$deb" ] || { echo "package-test: no .deb (run 'make package' first)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "package-test: dpkg -i needs root" >&2; exit 2; }
if dpkg -s patchbay >/dev/null 2>&1; then
  echo "package-test: a patchbay package is already installed; remove it first (dpkg -r patchbay)" >&2
  exit 2
fi
TMP="$(mktemp -d)"
installed=""
cleanup() {
  if [ -n "$installed" ]; then dpkg -r patchbay >/dev/null 2>&1 || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }

dpkg -i "$deb" >"$TMP/dpkg.log" 2>&1 || { cat "$TMP/dpkg.log" >&2; fail "dpkg -i $deb"; }
installed=yes
echo "package-test: installed $(dpkg-query -W -f='${Package} ${Version}' patchbay)"

[ "$(command -v patchbay)" = /usr/bin/patchbay ] || fail "patchbay is not /usr/bin/patchbay on PATH"
out="$(patchbay version)" || fail "patchbay version failed"
[[ $out == "patchbay "* ]] || fail "patchbay version printed '$out'"
echo "package-test: $out"
for f in /usr/share/applications/patchbay.desktop /usr/share/metainfo/io.patchbay.Patchbay.metainfo.xml /usr/share/man/man1/patchbay.1.gz; do
  [ -f "$f" ] || fail "$f is not installed"
done
for size in 16 24 32 48 64 128 256; do
  f=/usr/share/icons/hicolor/${size}x${size}/apps/patchbay.png
  [ "$(identify -format '%wx%h' "$f" 2>/dev/null)" = "${size}x${size}" ] || fail "$f is not a ${size}x${size} image"
done
[ -f /usr/share/icons/hicolor/scalable/apps/patchbay.svg ] || fail "the scalable icon is not installed"
# The icon is Patchbay's (packaging/patchbay.svg), not Wails' default
# (pkg/buildassets/build/appicon.png of the pinned Wails): by hash, and by
# pixels (a default resized would differ in hash only). build/appicon.png
# (what wails build uses) is the same drawing.
# rmse A B: the normalised root-mean-square difference of two images' pixels.
# (compare exits 1 when the images differ: that is an answer, not a failure.)
rmse() { { compare -metric RMSE "$1" "$2" null: 2>&1 || true; } | sed -n 's/.*(\([0-9.e-]*\)).*/\1/p'; }
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a < b) }'; }
icon=/usr/share/icons/hicolor/256x256/apps/patchbay.png
wails_icon="$(cd "$ROOT" && go list -m -f '{{.Dir}}' github.com/wailsapp/wails/v2)/pkg/buildassets/build/appicon.png"
[ -f "$wails_icon" ] || fail "cannot find Wails' default icon at $wails_icon"
convert "$wails_icon" -resize 256x256 "$TMP/wails-256.png"
rsvg-convert -w 256 -h 256 "$ROOT/packaging/patchbay.svg" -o "$TMP/ours-256.png"
for f in "$icon" "$ROOT/build/appicon.png"; do
  [ "$(sha256sum <"$f")" != "$(sha256sum <"$wails_icon")" ] || fail "$f is Wails' default icon"
  d="$(rmse "$f" "$TMP/wails-256.png")"
  below "$d" 0.1 && fail "$f looks like Wails' default icon (RMSE $d)"
  d="$(rmse "$f" "$TMP/ours-256.png")"
  below "$d" 0.02 || fail "$f is not packaging/patchbay.svg rendered at 256 px (RMSE ${d:-unknown})"
done
echo "package-test: the icon is Patchbay's, not Wails' default"
# Both validators are in scripts/deps.sh: a missing one is a failure, not a skip.
for tool in desktop-file-validate appstreamcli; do
  command -v "$tool" >/dev/null || fail "'$tool' is missing (scripts/deps.sh installs it)"
done
desktop-file-validate /usr/share/applications/patchbay.desktop >"$TMP/dfv.log" 2>&1 || { cat "$TMP/dfv.log" >&2; fail "the desktop entry does not validate"; }
appstreamcli validate --no-net /usr/share/metainfo/io.patchbay.Patchbay.metainfo.xml >"$TMP/as.log" 2>&1 || { cat "$TMP/as.log" >&2; fail "the AppStream metadata does not validate"; }
zcat /usr/share/man/man1/patchbay.1.gz | grep -q '^\.SS patchbay serve' || fail "the man page has no 'patchbay serve' section"
if command -v man >/dev/null; then
  MANPAGER=cat man -l /usr/share/man/man1/patchbay.1.gz >/dev/null 2>&1 || fail "man cannot render the man page"
fi

# The desktop window from the installed binary.
PATCHBAY_BIN=/usr/bin/patchbay ARTIFACTS="$ROOT/test-results/package-smoke" "$ROOT/scripts/smoke-xvfb.sh" || fail "the Xvfb smoke test of /usr/bin/patchbay failed"

# The user's data: a data directory in a throwaway home, made by the
# installed binary (patchbay serve, stopped once it serves).
export HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config"
mkdir -p "$HOME"
patchbay serve --addr 127.0.0.1:0 --insecure-file-secrets --sweep-interval 0 >"$TMP/serve.out" 2>"$TMP/serve.log" &
serve=$!
for _ in $(seq 1 100); do grep -q "Patchbay is running at" "$TMP/serve.out" && break; sleep 0.2; done
kill "$serve"; wait "$serve" || true
[ -f "$XDG_CONFIG_HOME/patchbay/patchbay.db" ] || { cat "$TMP/serve.log" >&2; fail "the installed binary made no data directory"; }

dpkg -r patchbay >"$TMP/dpkg.log" 2>&1 || { cat "$TMP/dpkg.log" >&2; fail "dpkg -r patchbay"; }
installed=""
[ ! -e /usr/bin/patchbay ] || fail "/usr/bin/patchbay is still there after dpkg -r"
[ ! -e /usr/share/applications/patchbay.desktop ] || fail "the desktop entry is still there after dpkg -r"
if dpkg -s patchbay 2>/dev/null | grep -q '^Status: install'; then fail "dpkg still lists patchbay as installed"; fi
[ -f "$XDG_CONFIG_HOME/patchbay/patchbay.db" ] || fail "removing the package removed the user's data"
echo "package-test: removed; the user's data directory stayed"
echo "package-test: 1 passed, 0 failed"
