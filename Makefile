# claude-launch: build, demo, test.
#
#   make demo    the main job on an embedded default: a dev Vault on loopback
#                (when a Vault binary is at hand) and the real claude CLI
#   make test    everything the project checks, with the real components
#   make tools   build/install the real components into ~/.cache/claude-launch
#                (Vault, the npm claude, staticcheck, the cgroup v2 guest)
#   make bench   the start-up benchmark and its ratios

GO        ?= go
BIN       ?= bin
PREFIX    ?= $(HOME)/.local
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
GOFLAGS_BUILD = -trimpath -ldflags='-s -w -X github.com/claude-launch/claude-launch/internal/version.version=$(VERSION)'
CACHE     ?= $(or $(CLAUDE_LAUNCH_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/claude-launch)
STATICCHECK_VERSION = 0.8.2
STATICCHECK = $(CACHE)/staticcheck-$(STATICCHECK_VERSION)/staticcheck

.PHONY: all build install install-unit demo test check tools vault claude staticcheck vm-image bench fuzz clean

all: build

build:
	$(GO) build $(GOFLAGS_BUILD) -o $(BIN)/ ./cmd/...

install: build
	install -d $(PREFIX)/bin
	install -m 0755 $(BIN)/claude-launch $(BIN)/claude-auth-sync $(BIN)/t3-serve-launch $(PREFIX)/bin/

# The server unit (root): t3-serve-launch in /usr/local/bin, the unit in
# /etc/systemd/system; then `systemctl enable --now t3-serve@USER`.
install-unit: build
	install -m 0755 $(BIN)/t3-serve-launch /usr/local/bin/
	install -m 0644 scripts/systemd/t3-serve@.service /etc/systemd/system/
	systemctl daemon-reload

demo: build claude
	scripts/demo.sh $(BIN)

tools: vault claude staticcheck vm-image

vault:
	scripts/install-vault.sh >/dev/null

claude:
	scripts/install-claude.sh >/dev/null

# The cgroup v2 test guest (Debian kernel + bookworm root with systemd 252),
# for the qemu test of t3-serve-launch. Needs root; installs qemu-system-x86,
# debootstrap and cpio when missing.
vm-image:
	@if [ "$$(id -u)" = 0 ]; then scripts/vm/build-image.sh >/dev/null; else echo "vm-image: needs root (debootstrap); its test will skip"; fi

staticcheck:
	@test -x $(STATICCHECK) || GOBIN=$(dir $(STATICCHECK)) $(GO) install honnef.co/go/tools/cmd/staticcheck@v$(STATICCHECK_VERSION)

check: staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

test: tools check
	$(GO) test -race -count=1 ./...

bench: build
	scripts/bench.sh

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseEnv -fuzztime 30s ./pkg/token

clean:
	rm -rf $(BIN)
