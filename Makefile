# claude-launch: build, demo, test.
#
#   make demo    the main job on an embedded default: a dev Vault on loopback
#                (when a Vault binary is at hand) and the real claude CLI
#   make test    everything the project checks, with the real components
#   make tools   build/install the real components into ~/.cache/claude-launch
#                (Vault, the npm claude and Agent SDK, staticcheck, the cgroup
#                v2 guest)
#   make bench   the start-up benchmark and its ratios
#   make bench-vault  a sync and 50 cold launches against a Vault cluster
#   make race-lab  the refresh race, reproduced and ended: a table and a plot
#   make fuzz    every parser of untrusted bytes, fuzzed
#   make cover   coverage of the unit and the end-to-end tests, merged
#   make deb     the Debian package, in $(BIN) (scripts/deb/build.sh)

# Every go command here, the tools' builds and the tests' included, runs
# go1.27.3, which the go command fetches from the module proxy once: its
# standard library has none of the vulnerabilities of go1.26.8 that our
# code reaches (scripts/vulncheck.sh), and one Go gives the same bytes.
export GOTOOLCHAIN := go1.27.3
GO        ?= go
BIN       ?= bin
PREFIX    ?= $(HOME)/.local
# The Debian version (scripts/deb/build.sh version) and the commit, which
# --version prints; two builds of one commit are byte-identical: static, no
# paths, no build ID, no VCS stamp, file times from the commit.
VERSION   ?= $(shell scripts/deb/build.sh version)
COMMIT    := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
GOFLAGS_BUILD = -trimpath -buildvcs=false \
  -ldflags='-s -w -buildid= -X "github.com/claude-launch/claude-launch/internal/version.version=$(VERSION) (commit $(COMMIT))"'
CACHE     ?= $(or $(CLAUDE_LAUNCH_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/claude-launch)
STATICCHECK_VERSION = 0.8.2
STATICCHECK = $(CACHE)/staticcheck-$(STATICCHECK_VERSION)-$(GOTOOLCHAIN)/staticcheck
DEADCODE_VERSION = 0.52.0
DEADCODE = $(CACHE)/deadcode-$(DEADCODE_VERSION)-$(GOTOOLCHAIN)/deadcode

.PHONY: all build deb install install-unit demo test check tools vault claude agent-sdk staticcheck debian-tools vm-image deadcode bench bench-vault race-lab race-lab-docs fuzz cover clean

all: build

build:
	CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $(BIN)/ ./cmd/...

# claude-launch_$(VERSION)_amd64.deb in $(BIN): the programs, units,
# examples, and the man pages and completions in $(BIN)/share when a
# target of DEB_DEPS made them.
DEB_DEPS = build
deb: $(DEB_DEPS)
	BIN=$(BIN) VERSION='$(VERSION)' COMMIT=$(COMMIT) scripts/deb/build.sh

# For one user: the programs and scripts/claude-agents in $(PREFIX)/bin,
# the sync's user timer in ~/.config/systemd/user, a commented config file
# if there is none; then it says what to run.
UNITDIR  ?= $(or $(XDG_CONFIG_HOME),$(HOME)/.config)/systemd/user
CONFFILE ?= $(or $(XDG_CONFIG_HOME),$(HOME)/.config)/claude-launch/config
install: build
	install -d $(PREFIX)/bin $(UNITDIR)
	install -m 0755 $(BIN)/claude-launch $(BIN)/claude-auth-sync $(BIN)/t3-serve-launch scripts/claude-agents $(PREFIX)/bin/
	sed 's|%h/.local/bin/claude-auth-sync|$(abspath $(PREFIX))/bin/claude-auth-sync|' scripts/systemd/claude-auth-sync.service > $(UNITDIR)/claude-auth-sync.service
	install -m 0644 scripts/systemd/claude-auth-sync.timer $(UNITDIR)/
	@if [ ! -e $(CONFFILE) ]; then install -D -m 0644 scripts/config/config.example $(CONFFILE); echo "wrote $(CONFFILE) (all commented out: set VAULT_ADDR there)"; fi
	@echo
	@echo "Installed. Now:"
	@echo "  echo 'alias claude=claude-launch' >> ~/.bashrc     # every claude through the launcher"
	@echo "  systemctl --user daemon-reload && systemctl --user enable --now claude-auth-sync.timer"
	@echo "  claude-auth-sync enable                            # paste the token from \`claude setup-token\`"
	@echo "  claude-auth-sync status"

# The server unit (root): t3-serve-launch in /usr/local/bin, the unit in
# /etc/systemd/system; then `systemctl enable --now t3-serve@USER`.
install-unit: build
	install -m 0755 $(BIN)/t3-serve-launch /usr/local/bin/
	install -m 0644 scripts/systemd/t3-serve@.service /etc/systemd/system/
	systemctl daemon-reload

demo: build claude
	scripts/demo.sh $(BIN)

tools: vault claude agent-sdk staticcheck debian-tools vm-image

# Vault is a test tool in a module of its own, built with the Go it was
# tested with (the machine's default), not the release toolchain above.
vault:
	env -u GOTOOLCHAIN scripts/install-vault.sh >/dev/null

claude:
	scripts/install-claude.sh >/dev/null

# The Claude Agent SDK from npm, as T3 Code starts claude through it: the
# stand-in server of cmd/t3-serve-launch's TestAgentSDK.
agent-sdk:
	scripts/install-agent-sdk.sh >/dev/null

# Debian's packages that tests run for real: promtool (prometheus), the
# textfile collector (prometheus-node-exporter), tmux, lintian. Installed as root
# when missing; otherwise their tests skip, saying so.
DEBIAN_TOOLS = promtool:prometheus prometheus-node-exporter:prometheus-node-exporter tmux:tmux lintian:lintian
debian-tools:
	@missing=; for t in $(DEBIAN_TOOLS); do command -v $${t%%:*} >/dev/null || missing="$$missing $${t#*:}"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "debian-tools: missing$$missing (apt-get install them as root); their tests will skip"; exit 0; fi; \
	echo "installing$$missing" >&2; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get install -y -qq --no-install-recommends $$missing >/dev/null 2>&1 || \
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; }

# The cgroup v2 test guest (Debian kernel + bookworm root with systemd 252),
# for the qemu test of t3-serve-launch. Needs root; installs qemu-system-x86,
# debootstrap and cpio when missing.
vm-image:
	@if [ "$$(id -u)" = 0 ]; then scripts/vm/build-image.sh >/dev/null; else echo "vm-image: needs root (debootstrap); its test will skip"; fi

staticcheck:
	@test -x $(STATICCHECK) || GOBIN=$(dir $(STATICCHECK)) $(GO) install honnef.co/go/tools/cmd/staticcheck@v$(STATICCHECK_VERSION)

deadcode:
	@test -x $(DEADCODE) || GOBIN=$(dir $(DEADCODE)) $(GO) install golang.org/x/tools/cmd/deadcode@v$(DEADCODE_VERSION)

# gofmt, vet, staticcheck; go.mod and go.sum as go mod tidy leaves them;
# deadcode: no function that neither a program nor a test reaches, and no
# product code that only tests reach (a library's API in pkg/ and test
# support may be used by tests alone); govulncheck against the pinned
# vulnerability database (scripts/vulncheck.sh).
check: staticcheck deadcode
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(GO) mod tidy -diff
	@out=$$({ $(DEADCODE) -test ./...; $(DEADCODE) ./... | grep -v '^pkg/\|^internal/testenv/'; } | sort -u); \
	  if [ -n "$$out" ]; then echo "deadcode: unreachable functions; delete them, or use them:"; echo "$$out"; exit 1; fi
	GO=$(GO) scripts/vulncheck.sh

test: tools check
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=50000x

# Coverage of the unit tests and of the programs the end-to-end tests run
# (built with -cover; their counters go to out/cover/e2e), merged.
COVER = out/cover
cover:
	rm -rf $(COVER) && mkdir -p $(COVER)/e2e
	CLAUDE_LAUNCH_COVERDIR=$(abspath $(COVER)/e2e) $(GO) test -race -count=1 -coverpkg=./... -coverprofile=$(COVER)/unit.out ./... > $(COVER)/test.log 2>&1; \
	  s=$$?; grep -v "^ok\|no test files" $(COVER)/test.log; exit $$s
	$(GO) tool covdata textfmt -i=$(COVER)/e2e -o $(COVER)/e2e.out
	{ cat $(COVER)/unit.out; tail -n +2 $(COVER)/e2e.out; } > $(COVER)/all.out
	@awk 'NR > 1 && $$1 != "mode:" {split($$1, f, ":"); key = $$1; st[key] = $$2; if ($$3 > 0) hit[key] = 1; pkg[key] = f[1]; sub(/\/[^\/]*$$/, "", pkg[key])} \
	END {for (k in st) {n[pkg[k]] += st[k]; N += st[k]; if (hit[k]) {c[pkg[k]] += st[k]; C += st[k]}} \
	for (p in n) printf "%-62s %5.1f%%\n", p, 100 * c[p] / n[p]; printf "%-62s %5.1f%%\n", "total", 100 * C / N}' $(COVER)/all.out | sort -k1,1
	@echo "(statements covered by the unit and the end-to-end tests together; HTML: go tool cover -html=$(COVER)/all.out)"

bench: build
	scripts/bench.sh

# A sync, and 50 people's first launches at once, against a three-node TLS
# Vault cluster (about a minute).
bench-vault: vault
	$(GO) test -run '^$$' -bench Cluster -benchtime 5x ./cmd/claude-launch

# The refresh race of agents on one rotating login, reproduced and ended
# (internal/racelab; about three minutes): the model, then eight real
# claude agents per run in the offline harness (as root); prints the
# tables, and writes
# report.json, table.md and the plots logouts.svg and real.svg to out/race-lab.
# race-lab-docs keeps a run's report and plot in docs/race-lab and puts
# its table in the README.
race-lab: build claude
	$(GO) run ./internal/racelab/cmd/race-lab -launcher $(BIN)/claude-launch -claude "$$(scripts/install-claude.sh)" -out out/race-lab

race-lab-docs: race-lab
	mkdir -p docs/race-lab && cp out/race-lab/report.json out/race-lab/logouts.svg out/race-lab/real.svg docs/race-lab/
	$(GO) test -count=1 -run TestReadmeTable ./internal/racelab -update

# Every parser of untrusted bytes, fuzzed (seed corpora in testdata/fuzz).
# The budget is a count of inputs, not a duration: with a duration, Go 1.26's
# fuzzing coordinator can fail a clean run with "context deadline exceeded"
# when the time is up (go.dev/issue/75804, fixed in Go 1.27).
FUZZTIME ?= 200000x
FUZZ = ./pkg/token:FuzzParseEnv ./pkg/token:FuzzSHA256MatchesStdlib ./internal/creds:FuzzCheck ./internal/store:FuzzParseState ./internal/buildinfo:FuzzParse
fuzz:
	@for f in $(FUZZ); do echo "fuzz $${f#*:} ($(FUZZTIME))"; \
	  out=$$($(GO) test -run '^$$' -fuzz "^$${f#*:}$$" -fuzztime $(FUZZTIME) $${f%%:*} 2>&1) || { printf '%s\n' "$$out"; exit 1; }; \
	  printf '%s\n' "$$out" | tail -1; done

clean:
	rm -rf $(BIN)
