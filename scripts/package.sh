#!/usr/bin/env bash
# Builds the Debian package (`make package`): build/patchbay_VERSION_amd64.deb
# with the built binary in /usr/bin, the desktop entry, icons at the usual
# hicolor sizes (rendered from packaging/patchbay.svg, which is also
# installed as the scalable icon), AppStream metadata and the man
# page generated from the CLI's own help (scripts/genman). nfpm is pinned
# and run through `go run`, so nothing is installed.
# Usage: VERSION=… scripts/package.sh (after `make build`)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
NFPM=github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2

[ -x build/bin/patchbay ] || { echo "package: build/bin/patchbay is missing (run 'make build' first)" >&2; exit 2; }
command -v rsvg-convert >/dev/null || { echo "package: 'rsvg-convert' is missing (apt-get install librsvg2-bin)" >&2; exit 2; }
VERSION="${VERSION:-$(build/bin/patchbay version | awk '{print $2}')}"
# Debian versions start with a digit: a bare commit becomes 0.0.0+git<hash>.
if [[ $VERSION =~ ^v?[0-9] ]]; then
  PATCHBAY_VERSION="${VERSION#v}"
else
  PATCHBAY_VERSION="0.0.0+git${VERSION}"
fi
PATCHBAY_VERSION="${PATCHBAY_VERSION//-/+}"
export PATCHBAY_VERSION

STAGE=build/package/root/usr/share
rm -rf build/package
mkdir -p "$STAGE/man/man1"
for size in 16 24 32 48 64 128 256; do
  mkdir -p "$STAGE/icons/hicolor/${size}x${size}/apps"
  rsvg-convert -w "$size" -h "$size" packaging/patchbay.svg -o "$STAGE/icons/hicolor/${size}x${size}/apps/patchbay.png"
done
mkdir -p "$STAGE/icons/hicolor/scalable/apps"
cp packaging/patchbay.svg "$STAGE/icons/hicolor/scalable/apps/patchbay.svg"
go run ./scripts/genman "$VERSION" >build/package/patchbay.1
gzip -9n <build/package/patchbay.1 >"$STAGE/man/man1/patchbay.1.gz"

rm -f build/patchbay_*.deb
GOFLAGS=-mod=mod go run "$NFPM" package --config packaging/nfpm.yaml --packager deb --target build/ >/dev/null
deb="$(ls build/patchbay_*.deb)"
echo "package: $deb ($(( $(stat -c %s "$deb") / 1024 )) KiB, version $PATCHBAY_VERSION)"
