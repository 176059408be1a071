#!/usr/bin/env bash
# The operator's side of claude-launch on a Vault server or cluster; safe to
# run again. With an admin token in VAULT_TOKEN (and VAULT_ADDR, VAULT_CACERT
# as for the vault CLI):
#
#   scripts/vault/setup.sh              make the KV mount if it is missing,
#                                       enable the auth method if it is
#                                       missing, write the claude-launch policy
#   scripts/vault/setup.sh user NAME    add (or update) a userpass user NAME
#                                       bound to the policy; the password is
#                                       read from stdin
#
# Settings (environment): CLAUDE_LAUNCH_VAULT_MOUNT [secret], KV_VERSION [2],
# AUTH_PATH [userpass], AUTH_TYPE [userpass; ldap, oidc: enable and configure
# them as their docs say, the policy is the same], POLICY [claude-launch],
# TOKEN_TTL [24h] and TOKEN_MAX_TTL [720h] for userpass users' tokens.
set -euo pipefail

vault=${VAULT:-vault}
mount=${CLAUDE_LAUNCH_VAULT_MOUNT:-secret}
kv_version=${KV_VERSION:-2}
auth_path=${AUTH_PATH:-userpass}
auth_type=${AUTH_TYPE:-userpass}
policy=${POLICY:-claude-launch}
here=$(cd "$(dirname "$0")" && pwd)

die() { echo "setup.sh: $*" >&2; exit 1; }
command -v "$vault" >/dev/null || die "no vault CLI in PATH (set VAULT to its path)"
[[ -n ${VAULT_TOKEN-} ]] || [[ -f $HOME/.vault-token ]] || die "no admin token: set VAULT_TOKEN, or run 'vault login' as an admin"
[[ $kv_version == 1 || $kv_version == 2 ]] || die "KV_VERSION=$kv_version: give 1 or 2"

if [[ ${1-} == user ]]; then
	name=${2-}
	[[ $name =~ ^[a-z_][a-z0-9_.-]*$ ]] || die "user ${name:-(none)}: give the user's login name (lower case, as on the workstations)"
	[[ $auth_type == userpass ]] || die "users of $auth_type are made in $auth_type itself; their alias name must be their login name"
	# The password comes on stdin and goes on stdin (vault reads "-" from
	# it), never argv. vault keeps a trailing newline as part of the
	# password, so the first line is passed without its end: a password
	# file written by an editor would otherwise never log in.
	password=
	IFS= read -r password || true
	[[ -n $password ]] || die "user $name: give the password on stdin, on its first line"
	printf %s "$password" | "$vault" write "auth/$auth_path/users/$name" password=- token_policies="$policy" \
		token_ttl="${TOKEN_TTL:-24h}" token_max_ttl="${TOKEN_MAX_TTL:-720h}" >/dev/null
	unset password
	echo "user $name: may use $mount/users/$name/claude (log in with: vault login -method=userpass -path=$auth_path username=$name)"
	exit 0
fi
[[ $# == 0 ]] || die "usage: setup.sh, or setup.sh user NAME (password on stdin)"

if "$vault" read "sys/mounts/$mount" >/dev/null 2>&1; then
	echo "mount $mount/: there"
else
	"$vault" secrets enable -path="$mount" -version="$kv_version" kv >/dev/null
	echo "mount $mount/: made (KV version $kv_version)"
fi
if "$vault" read "sys/auth/$auth_path" >/dev/null 2>&1; then
	echo "auth method $auth_path/: there"
else
	"$vault" auth enable -path="$auth_path" "$auth_type" >/dev/null
	echo "auth method $auth_path/: enabled ($auth_type)"
fi
accessor=$("$vault" read -field=accessor "sys/auth/$auth_path")
[[ -n $accessor ]] || die "no accessor for auth method $auth_path/"

# Render the policy for this mount, its KV version and the auth method.
rendered=$(sed -e "s|MOUNT|$mount|g" -e "s|AUTH_ACCESSOR|$accessor|g" "$here/claude-launch.hcl")
if [[ $kv_version == 2 ]]; then
	rendered=$(printf '%s\n' "$rendered" | sed '/^# KV version 1/,$d')
else
	rendered=$(printf '%s\n' "$rendered" | sed '/^# KV version 2/,/^# KV version 1/{/^# KV version 1/!d}')
fi
printf '%s\n' "$rendered" | "$vault" policy write "$policy" - >/dev/null
echo "policy $policy: written for $mount/users/<alias name of $auth_path ($accessor)>/claude"
