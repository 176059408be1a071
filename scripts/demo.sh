#!/usr/bin/env bash
# The main job on an embedded default, in a throw-away HOME: a fake setup
# token stored in a dev Vault on loopback for the current user, fetched by
# claude-launch on its first miss and handed to the real claude CLI; then
# the token removed and claude back on its own login, untouched.
# Without a Vault binary it shows the same through the env file alone.
set -euo pipefail

bin=$(cd "${1:-bin}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
claude=$("$here/install-claude.sh")
vault_bin="${CLAUDE_LAUNCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claude-launch}/vault-1.21.0/bin/vault"
[[ -x "$vault_bin" ]] || vault_bin=$(command -v vault || true)

work=$(mktemp -d /tmp/claude-launch-demo.XXXXXX)
vault_pid=
cleanup() {
	[[ -n "$vault_pid" ]] && kill "$vault_pid" 2>/dev/null && wait "$vault_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

export HOME="$work/home" PATH="$bin:/usr/local/bin:/usr/bin:/bin" CLAUDE_LAUNCH_CLAUDE="$claude"
unset XDG_CONFIG_HOME CLAUDE_CODE_OAUTH_TOKEN ANTHROPIC_API_KEY ANTHROPIC_AUTH_TOKEN VAULT_TOKEN VAULT_ADDR CLAUDE_LAUNCH_ENV_FILE
mkdir -p "$HOME/.claude"
cd "$HOME"
envfile="$HOME/.config/claude-auth-sync/claude-oauth.env"
user=$(id -un)
demo_token="sk-ant-oat01-DEMO-not-a-real-token_$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"

# A stored SSO login, as `claude auth login` would leave it.
sso='{"claudeAiOauth":{"accessToken":"sk-ant-oat01-demo-sso","refreshToken":"sk-ant-ort01-demo-sso","expiresAt":4102444800000,"scopes":["user:inference","user:profile"],"subscriptionType":"max"}}'
(umask 077; printf '%s\n' "$sso" >"$HOME/.claude/.credentials.json")

# Bold only on a terminal without NO_COLOR and not TERM=dumb.
bold= plain=
if [[ -t 1 && -z ${NO_COLOR:-} && ${TERM:-dumb} != dumb ]]; then bold=$'\033[1m' plain=$'\033[0m'; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
auth() {
	echo "\$ claude-launch auth status --json   (authMethod)"
	claude-launch auth status --json | grep -E '"(authMethod|loggedIn)"' || true
}

step "claude $("$claude" --version 2>/dev/null | head -1), through claude-launch, nothing configured: its own login"
auth

if [[ -n "$vault_bin" ]]; then
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18200)
	step "dev Vault on 127.0.0.1:$port ($vault_bin)"
	VAULT_DISABLE_MLOCK=true "$vault_bin" server -dev -dev-no-store-token -dev-root-token-id=demo-root \
		-dev-listen-address="127.0.0.1:$port" >"$work/vault.log" 2>&1 &
	vault_pid=$!
	export VAULT_ADDR="http://127.0.0.1:$port"
	for _ in $(seq 100); do VAULT_TOKEN=demo-root "$vault_bin" status >/dev/null 2>&1 && break; sleep 0.1; done
	# The setup token goes in through stdin, never argv.
	printf '%s' "$demo_token" | VAULT_TOKEN=demo-root "$vault_bin" kv put -mount=secret "users/$user/claude" setup_token=- >/dev/null
	echo "stored a fake setup token at secret/users/$user/claude (field setup_token)"
	echo 'path "secret/data/users/'"$user"'/*" { capabilities = ["read"] }' |
		VAULT_TOKEN=demo-root "$vault_bin" policy write "claude-$user" - >/dev/null
	VAULT_TOKEN=$(VAULT_TOKEN=demo-root "$vault_bin" token create -policy="claude-$user" -field=token)
	export VAULT_TOKEN
	echo "your own Vault token can read only your path"

	step "first launch: env file missing, so claude-launch runs claude-auth-sync, which reads Vault"
	CLAUDE_LAUNCH_LOG_LEVEL=debug claude-launch auth status --json 2>"$work/debug.log" | grep -E '"(authMethod|loggedIn)"'
	grep -E 'setup token in effect' "$work/debug.log" || true
	ls -l "$envfile"

	step "next launches: the env file answers, no Vault round trip"
	auth

	step "what every agent will use, and which running ones are on what"
	echo "\$ claude-auth-sync status"
	claude-auth-sync status || true

	step "opt out: the token is deleted from Vault; the timer's sync removes the env file"
	VAULT_TOKEN=demo-root "$vault_bin" kv metadata delete -mount=secret "users/$user/claude" >/dev/null
	echo "\$ claude-auth-sync sync"
	claude-auth-sync sync || true

	step "opt in again, with the tool alone: the token on stdin, never on the command line"
	echo 'path "secret/data/users/'"$user"'/*" { capabilities = ["create", "read", "update", "patch"] }' |
		VAULT_TOKEN=demo-root "$vault_bin" policy write "claude-$user" - >/dev/null
	echo "\$ printf '%s' \"\$TOKEN\" | claude-auth-sync enable"
	printf '%s\n' "$demo_token" | claude-auth-sync enable | sed -n '1,2p'
	auth

	step "opt out with the tool: claude-auth-sync disable"
	claude-auth-sync disable | sed -n '1,2p'
else
	step "no Vault binary here: the env file alone (build the dev Vault for the full flow: make vault, about 15 min)"
	mkdir -p "$(dirname "$envfile")" && chmod 700 "$(dirname "$envfile")"
	(umask 077; printf 'CLAUDE_CODE_OAUTH_TOKEN=%s\n' "$demo_token" >"$envfile")
	ls -l "$envfile"
	auth
	step "token gone"
	rm -f "$envfile"
fi

step "no setup token any more: claude is back on its own login, untouched"
auth
cmp -s "$HOME/.claude/.credentials.json" <(printf '%s\n' "$sso") &&
	echo "~/.claude/.credentials.json: unchanged"
