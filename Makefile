# Patchbay: `make run` runs the app, `make test` runs every test. Both
# install what is missing first (scripts/deps.sh).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.0.0-dev)
# Tools that scripts/deps.sh installs into GOPATH/bin: resolved when a recipe
# runs (after deps checked that Go is there), not when make reads this file.
WAILS = "$$(go env GOPATH)/bin/wails"
STATICCHECK = "$$(go env GOPATH)/bin/staticcheck"
BIN := $(CURDIR)/build/bin/patchbay
ARGS ?=
# time a stage and print one summary line
stage = start=$$(date +%s); $(2); echo "== $(1): ok in $$(( $$(date +%s) - start ))s"

.PHONY: deps frontend build run demo test test-go test-frontend e2e size smoke desktop package package-test portable bench vet clean help

help:
	@echo "make run [ARGS=--demo]  install what is missing, build, open the window (no display: serve in a browser)"
	@echo "make test               install what is missing, run every test"
	@echo "make build | bench | clean"
	@echo "make fuzz [FUZZTIME=60s]  run each Go fuzz target for FUZZTIME (not part of make test; their seed corpora run in go test)"

deps:
	@$(call stage,deps,scripts/deps.sh all)

frontend: deps
	@$(call stage,frontend build,cd frontend && npm run build --silent)

build: frontend
	@$(call stage,desktop build,$(WAILS) build -s -skipbindings -m -nosyncgomod -tags webkit2_41 -trimpath -ldflags "-s -w -X patchbay/backend/cli.Version=$(VERSION)" -o patchbay)

run: build
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then exec $(BIN) $(ARGS); else exec $(BIN) serve $(ARGS); fi

demo:
	@$(MAKE) run ARGS=--demo

# Static checks. The realkeyring tag adds backend/secrets/realkeyring's tests
# (run by scripts/test-go.sh) to what is checked.
vet: frontend
	@$(call stage,gofmt,out=$$(git ls-files -z '*.go' | xargs -0 gofmt -l); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi)
	@$(call stage,go vet,go vet ./...; go vet -tags realkeyring ./backend/secrets/realkeyring/)
	@$(call stage,staticcheck,$(STATICCHECK) -tags realkeyring ./...)
	@$(call stage,go mod tidy,go mod tidy -diff)
	@$(PORTABLE_CHECKS)

# Per-OS code stays honest: the desktop binary cross-compiles for
# windows/amd64 (Wails v2 needs no cgo there) and the backend vets for macOS
# (file locks, keyring, desktop notifications have per-OS implementations).
comma := ,
PORTABLE_CHECKS = $(call stage,windows/amd64 desktop build,GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -tags desktop$(comma)production -trimpath -o /dev/null .); \
	$(call stage,GOOS=darwin go vet ./backend/...,GOOS=darwin GOARCH=arm64 go vet ./backend/...)
portable: frontend
	@$(PORTABLE_CHECKS)

test-go: frontend
	@$(call stage,go test -race -shuffle=on (real keyring stage + all packages),scripts/test-go.sh)

test-frontend: deps
	@$(call stage,svelte-check,cd frontend && npm run check --silent)
	@$(call stage,vitest,cd frontend && npm test --silent)

e2e: build
	@$(call stage,e2e (chromium),PATCHBAY_BIN=$(BIN) scripts/e2e.sh)

# the stripped desktop binary within 2x the bare Wails template (issue 18;
# a byte budget, no template build: scripts/size-check.sh)
size: build
	@$(call stage,binary size (<= 2x the bare Wails template),PATCHBAY_BIN=$(BIN) scripts/size-check.sh)

smoke: build
	@$(call stage,desktop smoke (xvfb),PATCHBAY_BIN=$(BIN) scripts/smoke-xvfb.sh)

# One instance, serve beside the window, keep checking with the window
# closed (desktop notification on a fake daemon, clicking it), launch again,
# Ctrl+Q; Start at login through a real XDG autostart implementation (dex).
desktop: build
	@$(call stage,desktop life cycle (xvfb),PATCHBAY_BIN=$(BIN) scripts/desktop-xvfb.sh)
	@$(call stage,start at login (dex --autostart; xvfb),PATCHBAY_BIN=$(BIN) scripts/desktop-login.sh)
	@$(call stage,axe in WebKitGTK (the window's engine; light and dark),PATCHBAY_BIN=$(BIN) scripts/webkit-axe.sh)

test: vet test-go test-frontend build size e2e smoke desktop package-test
	@echo "== all tests passed"

# Go fuzz targets (package:Target), each run for FUZZTIME. Their seed corpora
# already run as ordinary tests in make test-go.
FUZZTIME ?= 60s
FUZZ_TARGETS = ./backend/portal:FuzzVerify ./backend/portal:FuzzPortalRequests ./backend/providers:FuzzURLs \
	./backend/oauth:FuzzCallbackQuery ./backend/httpapi:FuzzCleanRedirect ./backend/report:FuzzCSVCell
fuzz: frontend
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== fuzz $$name ($$pkg, $(FUZZTIME))"; \
		go test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; done

# The Debian package: build/patchbay_VERSION_amd64.deb (nfpm, pinned, via go run).
package: build
	@$(call stage,package (.deb),VERSION=$(VERSION) scripts/package.sh)

# Install the package (dpkg -i, root), check it, run the Xvfb smoke test on
# /usr/bin/patchbay, remove it; user data stays.
package-test: package
	@$(call stage,package install + smoke + remove,scripts/package-test.sh)

# benchmarks with their targets: one line per figure, PASS or FALLS SHORT
bench: build
	PATCHBAY_BIN=$(BIN) scripts/bench.sh

clean:
	rm -rf build/bin frontend/dist
