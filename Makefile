# claude-launch: build, demo, test.
#
#   make demo    the main job on an embedded default: a dev Vault on loopback
#                (when a Vault binary is at hand) and the real claude CLI
#   make test    everything the project checks, with the real components
#   make tools   build/install the real components into ~/.cache/claude-launch
#   make bench   the start-up benchmark and its ratios

GO        ?= go
BIN       ?= bin
PREFIX    ?= $(HOME)/.local
GOFLAGS_BUILD = -trimpath -ldflags='-s -w'
CACHE     ?= $(or $(CLAUDE_LAUNCH_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/claude-launch)
STATICCHECK_VERSION = 0.8.2
STATICCHECK = $(CACHE)/staticcheck-$(STATICCHECK_VERSION)/staticcheck

.PHONY: all build install demo test check tools vault claude staticcheck bench fuzz clean

all: build

build:
	$(GO) build $(GOFLAGS_BUILD) -o $(BIN)/ ./cmd/...

install: build
	install -d $(PREFIX)/bin
	install -m 0755 $(BIN)/claude-launch $(BIN)/claude-auth-sync $(BIN)/t3-serve-launch $(PREFIX)/bin/

demo: build claude
	scripts/demo.sh $(BIN)

tools: vault claude staticcheck

vault:
	scripts/install-vault.sh >/dev/null

claude:
	scripts/install-claude.sh >/dev/null

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
