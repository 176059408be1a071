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
#   make install, uninstall, install-unit, uninstall-unit, docs: README and
#                docs/contributing.md
#   make deb     the Debian package, in $(BIN) (scripts/deb/build.sh)

# Every go command here, the tools' builds and the tests' included, runs
# go1.27.3, which the go command fetches from the module proxy once: its
# standard library has none of the vulnerabilities of go1.26.8 that our
# code reaches (scripts/vulncheck.sh), and one Go gives the same bytes.
export GOTOOLCHAIN := go1.27.3
GO        ?= go
BIN       ?= bin
LAB        = internal/racelab
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

.PHONY: all build deb install uninstall install-unit uninstall-unit docs
.PHONY: demo test check tools vault claude agent-sdk staticcheck debian-tools vm-image deadcode bench bench-vault race-lab race-lab-docs fuzz cover clean

all: build

# Then the man pages and completions, from the programs' own flags, in
# $(BIN)/share (man/man1, bash-completion, zsh, fish).
build:
	CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $(BIN)/ ./cmd/...
	$(BIN)/claude-auth-sync --generate-docs $(BIN)/share
	$(BIN)/t3-serve-launch --generate-docs $(BIN)/share

# claude-launch_$(VERSION)_amd64.deb in $(BIN): the programs, units,
# examples, and the man pages and completions that build makes.
deb: build
	BIN=$(BIN) VERSION='$(VERSION)' COMMIT=$(COMMIT) scripts/deb/build.sh

# For one user (README, "Install"): the programs and scripts/claude-agents in
# $(PREFIX)/bin, the man pages and completions of $(BIN)/share (when built)
# in $(PREFIX)/share, the sync's user timer in $(UNITDIR), a commented config
# file if there is none; then the steps that follow, in order. DESTDIR
# stages it all elsewhere (a package); uninstall removes the same files by
# name and keeps the config file, the env file and the state.
UNITDIR  ?= $(or $(XDG_CONFIG_HOME),$(HOME)/.config)/systemd/user
CONFFILE ?= $(or $(XDG_CONFIG_HOME),$(HOME)/.config)/claude-launch/config
PROGRAMS  = claude-launch claude-auth-sync t3-serve-launch
BINDIR    = $(abspath $(PREFIX))/bin
SHARE     = $(abspath $(DESTDIR)$(abspath $(PREFIX))/share)
install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR)
	install -m 0755 $(addprefix $(BIN)/,$(PROGRAMS)) scripts/claude-agents $(DESTDIR)$(BINDIR)/
	@if [ -d $(BIN)/share ]; then cd $(BIN)/share && find . -type f | while read -r f; do \
	  install -D -m 0644 "$$f" "$(SHARE)/$$f" || exit 1; done; echo "installed the man pages and completions in $(SHARE)"; fi
	sed 's|%h/.local/bin/claude-auth-sync|$(BINDIR)/claude-auth-sync|' scripts/systemd/claude-auth-sync.service \
	  > $(DESTDIR)$(UNITDIR)/claude-auth-sync.service
	install -m 0644 scripts/systemd/claude-auth-sync.timer $(DESTDIR)$(UNITDIR)/
	@if [ ! -e $(DESTDIR)$(CONFFILE) ]; then install -D -m 0644 scripts/config/config.example $(DESTDIR)$(CONFFILE); \
	  echo "wrote $(CONFFILE), all commented out"; fi
	@case ":$$PATH:" in *:$(BINDIR):*) ;; *) echo; \
	  echo "warning: $(BINDIR) is not in your PATH, so your shell will not find claude-launch:"; \
	  echo "  echo 'export PATH=\"$(BINDIR):\$$PATH\"' >> ~/.bashrc";; esac
	@echo
	@echo "Installed. Now, in this order (README, \"Install\"):"
	@echo "  echo 'alias claude=claude-launch' >> ~/.bashrc  # every claude through the launcher, in new shells"
	@echo "  \$$EDITOR $(CONFFILE)  # uncomment VAULT_ADDR=https://...: every program and the timer read it there"
	@echo "  vault login -address=https://vault.example.com:8200 -method=userpass username=\$$USER   # your method; writes ~/.vault-token"
	@echo "  systemctl --user daemon-reload && systemctl --user enable --now claude-auth-sync.timer"
	@echo "  claude setup-token | claude-auth-sync enable   # stores the token in your Vault path, writes the env file"
	@echo "  claude-auth-sync status                        # what the next claude uses; exit 0 when healthy"
	@echo "Then claude-agents -n 8 for agents in tmux. T3 Code's server: sudo make install-unit;"
	@echo "its Claude binary path is $(BINDIR)/claude-launch (docs/t3-serve.md)."

uninstall:
	@if [ -z "$(DESTDIR)" ] && systemctl --user is-enabled claude-auth-sync.timer >/dev/null 2>&1; then \
	  systemctl --user disable --now claude-auth-sync.timer; fi
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(PROGRAMS) claude-agents)
	rm -f $(foreach p,$(PROGRAMS),$(SHARE)/man/man1/$(p).1 $(SHARE)/bash-completion/completions/$(p) \
	  $(SHARE)/zsh/site-functions/_$(p) $(SHARE)/fish/vendor_completions.d/$(p).fish)
	rm -f $(DESTDIR)$(UNITDIR)/claude-auth-sync.service $(DESTDIR)$(UNITDIR)/claude-auth-sync.timer
	@if [ -z "$(DESTDIR)" ]; then systemctl --user daemon-reload 2>/dev/null || true; fi
	@echo "Uninstalled. Kept: $(CONFFILE), your env file and state"
	@echo "(\`claude-auth-sync disable\` before \`make uninstall\` removes the token from Vault and the env file)."

# T3 Code's server (as root, README "T3 Code's server"): t3-serve-launch in
# /usr/local/bin, the unit in /etc/systemd/system. It installs what
# `make build` made as you, so root needs no Go.
SYSBINDIR  ?= /usr/local/bin
SYSUNITDIR ?= /etc/systemd/system
install-unit:
	@test -x $(BIN)/t3-serve-launch || { \
	  echo "install-unit: no $(BIN)/t3-serve-launch: run \`make build\` as yourself first, then \`sudo make install-unit\`" >&2; exit 1; }
	install -d $(DESTDIR)$(SYSBINDIR) $(DESTDIR)$(SYSUNITDIR)
	install -m 0755 $(BIN)/t3-serve-launch $(DESTDIR)$(SYSBINDIR)/
	sed 's|/usr/local/bin/t3-serve-launch|$(SYSBINDIR)/t3-serve-launch|' scripts/systemd/t3-serve@.service > $(DESTDIR)$(SYSUNITDIR)/t3-serve@.service
	@if [ -z "$(DESTDIR)" ]; then systemctl daemon-reload; fi
	@echo "Installed. Now: sudo systemctl enable --now t3-serve@USER.service, and set T3 Code's Claude binary path"
	@echo "to the claude-launch that USER's make install wrote, ~USER/.local/bin/claude-launch in full (docs/t3-serve.md)."

uninstall-unit:
	rm -f $(DESTDIR)$(SYSBINDIR)/t3-serve-launch $(DESTDIR)$(SYSUNITDIR)/t3-serve@.service
	@if [ -z "$(DESTDIR)" ]; then systemctl daemon-reload; fi

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
# textfile collector (prometheus-node-exporter), tmux, lintian; zsh, fish,
# bash-completion, groff and man check the generated completions and man
# pages and that an install's are found. Installed as
# root when missing; otherwise their tests skip, saying so.
DEBIAN_TOOLS = promtool:prometheus prometheus-node-exporter:prometheus-node-exporter tmux:tmux lintian:lintian zsh:zsh fish:fish groff:groff-base man:man-db \
  /usr/share/bash-completion/bash_completion:bash-completion
debian-tools:
	@missing=; for t in $(DEBIAN_TOOLS); do { command -v $${t%%:*} || [ -e $${t%%:*} ]; } >/dev/null || missing="$$missing $${t#*:}"; done; \
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
	cd $(LAB) && $(GO) vet ./... && $(STATICCHECK) ./... && $(GO) mod tidy -diff
	@out=$$({ $(DEADCODE) -test ./...; $(DEADCODE) ./... | grep -v '^pkg/\|^internal/testenv/'; } | sort -u); \
	  if [ -n "$$out" ]; then echo "deadcode: unreachable functions; delete them, or use them:"; echo "$$out"; exit 1; fi
	GO=$(GO) scripts/vulncheck.sh

# The guest tests of cmd/t3-serve-launch take 8-10 minutes together, past
# go test's default 10-minute bound on a package.
test: tools check
	$(GO) test -race -count=1 -timeout 30m ./...
	cd $(LAB) && $(GO) test -race -count=1 ./...
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
# (internal/racelab, a module of its own so that its plotting libraries
# stay out of the product's go.mod; about three minutes): the model, then eight real
# claude agents per run in the offline harness (as root); prints the
# tables, and writes
# report.json, table.md and the plots logouts.svg and real.svg to out/race-lab.
# race-lab-docs keeps a run's report and plots in docs/race-lab and puts
# its tables in docs/race-lab.md.
race-lab: build claude
	cd $(LAB) && $(GO) run ./cmd/race-lab -launcher $(abspath $(BIN))/claude-launch -claude "$$($(CURDIR)/scripts/install-claude.sh)" \
	  -out $(CURDIR)/out/race-lab

race-lab-docs: race-lab
	mkdir -p docs/race-lab && cp out/race-lab/report.json out/race-lab/logouts.svg out/race-lab/real.svg docs/race-lab/
	cd $(LAB) && $(GO) test -count=1 -run TestRaceLabDoc . -update

# The generated sections of docs/ (fault table, --help, race-lab tables),
# rewritten from what the programs print now; review the diff. The fault
# table needs the Vault build (make vault).
docs: vault
	$(GO) test -count=1 -run '^TestFaultTable$$' ./cmd/claude-launch -update
	$(GO) test -count=1 -run '^TestCommandsDoc$$' ./cmd/claude-auth-sync -update
	$(GO) test -count=1 -run '^TestDocsHelp$$' ./cmd/t3-serve-launch -update
	cd $(LAB) && $(GO) test -count=1 -run '^TestRaceLabDoc$$' . -update

# Every parser of untrusted bytes, fuzzed (seed corpora in testdata/fuzz).
# The budget is a count of inputs, not a duration: with a duration, Go 1.26's
# fuzzing coordinator can fail a clean run with "context deadline exceeded"
# when the time is up (go.dev/issue/75804, fixed in Go 1.27).
FUZZTIME ?= 200000x
FUZZ = ./pkg/token:FuzzParseEnv ./internal/creds:FuzzCheck ./internal/store:FuzzParseState ./internal/buildinfo:FuzzParse
fuzz:
	@for f in $(FUZZ); do echo "fuzz $${f#*:} ($(FUZZTIME))"; \
	  out=$$($(GO) test -run '^$$' -fuzz "^$${f#*:}$$" -fuzztime $(FUZZTIME) $${f%%:*} 2>&1) || { printf '%s\n' "$$out"; exit 1; }; \
	  printf '%s\n' "$$out" | tail -1; done

clean:
	rm -rf $(BIN)
