# trustdesk: build, run, test and package. Needs GNU make.
#
#   make              list these targets
#   make run          install what is missing, build, open the app
#   make test         install what is missing, then gofmt, go vet, staticcheck,
#                     go test -race -shuffle=on ./..., and the real-window smoke test
#   make build        build ./trustdesk
#   make install      build and install trustdesk for you: bin/trustdesk, a menu
#                     entry and its icon under PREFIX (default ~/.local)
#   make uninstall    remove what make install put under PREFIX
#   make demo         make an example world (once, in DEMO_HOME) and open the app
#                     on it; its passphrase is "demo"
#   make bench        run every benchmark; results also go to bench.txt
#   make memory       resident memory of the real window on the large home of
#                     the start-up benchmark (demo + 30 cells x 2,000 statements)
#   make package      Linux release archive with a .desktop entry, in dist/
#   make smoke        start the real app under Xvfb and check its window is drawn
#   make screenshots  walk the real app through every main screen on a demo
#                     home under Xvfb, saving a picture of each in screenshots/,
#                     then again on a 1024x600 screen, on a 1366x768 screen
#                     with FYNE_SCALE=1.5 and on a 1280x720 screen
#   make release      Linux and macOS archives with fyne-cross (fyne-cross.yml);
#                     TARGETS="linux/arm64" builds only the targets named
#   make deps         only install what is missing (scripts/deps.sh)
#   make icon         render assets/icon.png again from assets/icon.svg
#   make clean        remove what the targets above wrote
#
# Pass arguments to the app with: make run ARGS="--home /some/folder"
# Install elsewhere with: make install PREFIX=/usr/local (and the same PREFIX
# for make uninstall)

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
# Checks run one after another even under make -j, so their output stays readable.
.NOTPARALLEL:
MAKEFLAGS += --no-print-directory

# scripts/deps.sh installs Go here only when no Go 1.21 or newer was found.
export PATH := $(HOME)/.local/share/trustdesk/go/bin:$(PATH)

GO ?= go
BINARY := trustdesk
# Build tags of every build of the app. no_emoji leaves Fyne's own colour
# emoji font out: parsed once per text style it held about 11 MB of memory
# in the running app; an emoji in a name or note is drawn from the
# system's fonts instead, loaded only when one is shown.
TAGS := no_emoji
ARGS ?=
TARGETS ?=
OS := $(shell uname -s)

# Package metadata comes from FyneApp.toml, the one place it is written.
toml = $(shell sed -n 's/^$(1) *= *"\{0,1\}\([^"]*\)"\{0,1\} *$$/\1/p' FyneApp.toml | head -n1)
VERSION := $(call toml,Version)
# Evaluated when used, after "make deps" may have installed Go.
ARCH = $(shell $(GO) env GOARCH 2>/dev/null)

# The dependency check is skipped while nothing it looks at has changed:
# the script, the module files, or the system's package database.
DEPS_STAMP := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/trustdesk/deps.stamp

section = @printf '\n==> %s\n' "$(1)"

.PHONY: help run build install uninstall test fmt-check tidy-check crash layout vet staticcheck unit smoke screenshots bench memory package release deps icon clean

help:
	@sed -n '3,/^$$/s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

run: build
	$(call section,opening trustdesk)
	./$(BINARY) $(ARGS)

build: deps
	$(call section,build ./$(BINARY))
	$(GO) build -tags $(TAGS) -o $(BINARY) ./cmd/trustdesk

# make install: the binary, a .desktop entry (made from FyneApp.toml) and
# the icon, in the places freedesktop.org menus look under PREFIX (on macOS
# only the binary matters). DESTDIR is put in front of every path, for
# packagers. Plain mkdir and install -m, which BSD install has too.
PREFIX ?= $(HOME)/.local
DESTDIR ?=
BINDIR := $(PREFIX)/bin
DESKTOP_FILE := $(PREFIX)/share/applications/$(BINARY).desktop
ICON_FILE := $(PREFIX)/share/icons/hicolor/512x512/apps/$(BINARY).png

install: build
	$(call section,install trustdesk under $(PREFIX))
	@mkdir -p "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(dir $(ICON_FILE))" "$(DESTDIR)$(dir $(DESKTOP_FILE))"
	install -m 755 $(BINARY) "$(DESTDIR)$(BINDIR)/$(BINARY)"
	install -m 644 assets/icon.png "$(DESTDIR)$(ICON_FILE)"
	@printf '%s\n' '[Desktop Entry]' 'Type=Application' 'Name=$(call toml,Name)' \
		'GenericName=$(call toml,GenericName)' 'Comment=$(call toml,Comment)' \
		'Exec=$(BINDIR)/$(BINARY)' 'Icon=$(BINARY)' 'Terminal=false' \
		'Categories=Office;Utility;' 'Keywords=trust;contacts;reputation;offline;group;' \
		>"$(DESTDIR)$(DESKTOP_FILE)"
	@echo "wrote $(DESTDIR)$(DESKTOP_FILE)"
	@case ":$$PATH:" in *":$(BINDIR):"*) echo "trustdesk is ready: type trustdesk";; \
	*) echo "$(BINDIR) is not on your PATH yet; add it (then type trustdesk):"; \
	   echo "  echo 'export PATH=\"$(BINDIR):\$$PATH\"' >> ~/.profile && export PATH=\"$(BINDIR):\$$PATH\"";; esac

uninstall:
	$(call section,remove trustdesk from $(PREFIX))
	rm -f "$(DESTDIR)$(BINDIR)/$(BINARY)" "$(DESTDIR)$(DESKTOP_FILE)" "$(DESTDIR)$(ICON_FILE)"
	@echo "Your data was left where it was; 'trustdesk wipe' destroys it (run it before uninstalling)."

test: deps
	@start=$$SECONDS; \
	$(MAKE) fmt-check tidy-check vet staticcheck unit crash layout smoke; \
	printf '\n==> all checks passed in %ss\n' $$((SECONDS - start))

fmt-check:
	$(call section,gofmt)
	@files="$$(find . -name '*.go' -not -path './fyne-cross/*' -not -path './dist/*' -not -path '*/testdata/*' | sort)"; \
	bad="$$(gofmt -l $$files)"; \
	if [ -n "$$bad" ]; then printf 'not formatted with gofmt (run gofmt -w on them):\n%s\n' "$$bad"; exit 1; fi; \
	echo "all Go files are formatted"

vet:
	$(call section,go vet)
	$(GO) vet ./...

staticcheck:
	$(call section,staticcheck)
	$(GO) tool staticcheck ./...

unit:
	$(call section,go test -race -shuffle=on)
	$(GO) test -race -shuffle=on -timeout 30m ./...
	$(call section,peak memory of reading a huge picture without -race)
	$(GO) test -count=1 -run '^TestHugePictureMemory$$' ./export/qr
	$(call section,hostile histories without -race: 400 quiet and 300 with fakes)
	$(GO) test -count=1 -run '^TestHostileHistories$$' ./crdt -crdt.hostile 400
	$(GO) test -count=1 -run '^TestHostileHistories$$' ./crdt -crdt.hostile 300 -crdt.mode fakes

# 100 imports, 40 first opens of an old home and 40 passphrase changes
# killed with SIGKILL: without -race, where each child starts in a fraction
# of a second (the -race run skips these tests).
crash:
	$(call section,imports and first opens and passphrase changes killed at random moments)
	$(GO) test -count=1 -run '^(TestImportKilled|TestMigrationKilled)$$' ./core
	$(GO) test -count=1 -run '^TestChangePassphraseKilled$$' ./store

# Every screen and dialog laid out at 1024x576 and with large text, on the
# demo world: built in seconds without -race, in minutes with it (the -race
# run skips this one test).
layout:
	$(call section,every screen in a small window)
	$(GO) test -tags $(TAGS) -count=1 -run '^TestScreensHoldSmallWindow$$' ./internal/app

# go.mod and go.sum must be tidy, checked without -e: a module that cannot be
# fetched is an error here, never skipped, so the answer does not depend on
# which modules the proxy serves that day. A failure to reach the module
# proxy is told apart from an untidy go.sum.
tidy-check:
	$(call section,go mod tidy)
	@out="$$($(GO) mod tidy -diff 2>&1)" && { echo "go.mod and go.sum are tidy"; exit 0; }; \
	if printf '%s\n' "$$out" | grep -q '^diff '; then \
		printf '%s\n' "$$out"; echo "go.mod or go.sum is not tidy: run go mod tidy"; \
	else \
		printf '%s\n' "$$out"; echo "could not check go.mod and go.sum: go mod tidy failed (see above)"; \
	fi; exit 1

# The smoke test runs a race-enabled build of the real binary: it reuses
# the packages "go test -race" just compiled, and a data race in the real
# window fails the test. The binary lives in a temporary folder, so Fyne
# reads FyneApp.toml from the working directory, as with "go run".
smoke: deps
	$(call section,smoke test: the real app in a window under Xvfb)
	@if [ "$(OS)" != Linux ]; then echo "skipped: the smoke test needs Xvfb and runs on Linux"; exit 0; fi; \
	tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) build -race -tags $(TAGS) -o "$$tmp/$(BINARY)" ./cmd/trustdesk; \
	scripts/smoke.sh --binary "$$tmp/$(BINARY)" --out dist/smoke

# The screenshots walk the real window through every main screen on a
# demo home (scripts/screenshots.sh); look at them after changing a screen.
# The walk clicks on what the window shows: its binary is built with the
# tag screenmap, which writes where each text is drawn (internal/app/screenmap.go),
# into a temporary folder, never as ./trustdesk.
screenshots: deps
	$(call section,screenshots of the real app under Xvfb)
	@if [ "$(OS)" != Linux ]; then echo "skipped: the screenshots need Xvfb and run on Linux"; exit 0; fi; \
	tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) build -tags $(TAGS),screenmap -o "$$tmp/$(BINARY)" ./cmd/trustdesk; \
	scripts/screenshots.sh --binary "$$tmp/$(BINARY)" --out screenshots

bench: deps
	$(call section,benchmarks (also written to bench.txt))
	$(GO) test -run '^$$' -bench . -benchmem ./... | tee bench.txt

# The large home is built once by the start-up benchmark and kept in
# dist/perf-home (passphrase "demo").
memory: build
	$(call section,resident memory of the real window on the large home)
	@if [ "$(OS)" != Linux ]; then echo "skipped: needs Xvfb and /proc, on Linux"; exit 0; fi; \
	TRUSTDESK_PERF_HOME="$(CURDIR)/dist/perf-home" $(GO) test -tags $(TAGS) -run '^$$' -bench UnlockToWindow -benchtime 1x ./internal/app/ >/dev/null; \
	scripts/memory.sh --binary ./$(BINARY) --home dist/perf-home

# fyne package reads FyneApp.toml from its source folder, here the
# repository root, and packs the release binary built just before with
# the same flags "fyne package --release" uses. It also counts the build
# number up in FyneApp.toml; that change is undone, so packaging never
# edits the source tree.
package: deps
	$(call section,package trustdesk $(VERSION) for linux/$(ARCH))
	@if [ "$(OS)" != Linux ]; then echo "make package builds the Linux archive; for macOS see fyne-cross.yml"; exit 1; fi
	rm -rf dist/package && mkdir -p dist/package
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags '-s -w' -tags release,migrated_fynedo,$(TAGS) \
		-o dist/package/$(BINARY) ./cmd/trustdesk
	@cp FyneApp.toml dist/package/FyneApp.toml.orig; \
	trap 'cp "$(CURDIR)/dist/package/FyneApp.toml.orig" "$(CURDIR)/FyneApp.toml"' EXIT; \
	cd dist/package && $(GO) tool fyne package --os linux --release \
		--src "$(CURDIR)" --exe "$(CURDIR)/dist/package/$(BINARY)" \
		--name $(BINARY) --icon "$(CURDIR)/assets/icon.png"
	mv dist/package/$(BINARY).tar.xz dist/$(BINARY)-$(VERSION)-linux-$(ARCH).tar.xz
	rm -rf dist/package
	@echo "dist/$(BINARY)-$(VERSION)-linux-$(ARCH).tar.xz:"; tar -tJf dist/$(BINARY)-$(VERSION)-linux-$(ARCH).tar.xz | sed 's/^/  /'

release:
	$(call section,release archives with fyne-cross)
	scripts/release.sh $(TARGETS)

deps: $(DEPS_STAMP)

$(DEPS_STAMP): scripts/deps.sh go.mod go.sum $(wildcard /var/lib/dpkg/status)
	$(call section,installing what is missing)
	scripts/deps.sh
	@mkdir -p $(@D) && touch $@

icon: assets/icon.svg
	@command -v rsvg-convert >/dev/null || { echo "rsvg-convert is missing: apt-get install librsvg2-bin"; exit 1; }
	rsvg-convert -w 512 -h 512 assets/icon.svg -o assets/icon.png

clean:
	rm -rf $(BINARY) dist screenshots bench.txt

# make demo: make an example world once in DEMO_HOME (trustdesk demo), then
# open the app on it. Its passphrase is "demo".
DEMO_HOME ?= $(HOME)/.local/share/trustdesk-demo

.PHONY: demo
demo: build
	@if [ ! -e "$(DEMO_HOME)/trustdesk.db" ]; then ./$(BINARY) --home "$(DEMO_HOME)" demo; \
	else echo "Using the demo world already in $(DEMO_HOME)."; fi
	@echo 'Opening trustdesk on it; the passphrase is "demo".'
	TRUSTDESK_PASSPHRASE=demo ./$(BINARY) --home "$(DEMO_HOME)"
