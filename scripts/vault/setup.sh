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
# Settings (environment): CLAUDE_LAUNCH_VAULT_MOUNT [secret], KV_VERSION [2;
# for a mount it makes: a mount already there keeps its own version],
# AUTH_PATH [userpass], AUTH_TYPE [userpass; ldap, oidc: enable and configure
# them as their docs say, the policy is the same], POLICY [claude-launch],
# TOKEN_TTL [24h] and TOKEN_MAX_TTL [720h] for userpass users' tokens.
set -euo pipefail
shopt -s inherit_errexit

vault=${VAULT:-vault}
mount=${CLAUDE_LAUNCH_VAULT_MOUNT:-secret}
kv_version=${KV_VERSION-}
auth_path=${AUTH_PATH:-userpass}
auth_type=${AUTH_TYPE:-userpass}
policy=${POLICY:-claude-launch}
here=$(cd "$(dirname "$0")" && pwd)

die() { echo "setup.sh: $*" >&2; exit 1; }
command -v "$vault" >/dev/null || die "no vault CLI in PATH (set VAULT to its path)"
[[ -n ${VAULT_TOKEN-} ]] || [[ -f $HOME/.vault-token ]] || die "no admin token: set VAULT_TOKEN, or run 'vault login' as an admin"
[[ -z $kv_version || $kv_version == 1 || $kv_version == 2 ]] || die "KV_VERSION=$kv_version: give 1 or 2"
errf=$(mktemp)
trap 'rm -f "$errf"' EXIT

# Every vault call goes through v WHAT ARGS...: a failure is one line, WHAT
# and Vault's reason (the CLI's own report is five lines of request dump).
v() {
	local what=$1
	shift
	"$vault" "$@" 2>"$errf" || die "$what: $(reason)"
}
reason() {
	local code errs
	code=$(sed -n 's/^Code: \([0-9]*\).*/\1/p' "$errf" | head -n 1)
	errs=$(sed -n 's/^[[:space:]]*\* //p' "$errf" | grep -v 'errors occurred:$' | paste -sd ';' - | sed 's/;/; /g')
	case $errs in
	*"invalid token"*) echo "Vault does not know this token (expired, revoked or mistyped): log in as an admin (\`vault login\`) or fix VAULT_TOKEN" ;;
	"") head -n 1 "$errf" ;;
	*) echo "Vault answered ${code:-an error} ($errs)" ;;
	esac
}
# may PATH CAP...: stops unless this token has every CAP on PATH (as
# sys/capabilities-self says); a 403 on a read would otherwise look like
# "not there".
may() {
	local path=$1 caps
	shift
	caps=$(v "ask Vault what this token may do (setup.sh needs an admin's token)" token capabilities "$path")
	[[ $caps == root ]] && return 0
	for c; do
		[[ ", $caps, " == *", $c, "* ]] ||
			die "this token may not $c $path (it may: $caps): run setup.sh with an admin's token (VAULT_TOKEN, or \`vault login\` as an admin)"
	done
}
# auth_there prints the type of the auth method at AUTH_PATH, nothing when
# there is none.
auth_there() {
	may "sys/auth/$auth_path" read sudo
	"$vault" read -field=type "sys/auth/$auth_path" 2>"$errf" && return
	grep -q "No auth engine at" "$errf" || die "read auth method $auth_path/: $(reason)"
}

if [[ ${1-} == user ]]; then
	name=${2-}
	# Vault's own rule for names (framework.GenericNameRegex), in lower case.
	[[ $name =~ ^[a-z_]([a-z0-9_.-]*[a-z0-9_])?$ ]] ||
		die "user ${name:-(none)}: give the user's login name (lower case, as on the workstations, ending in a letter, digit or _ as Vault requires)"
	[[ $auth_type == userpass ]] || die "users of $auth_type are made in $auth_type itself; their alias name must be their login name"
	have=$(auth_there)
	[[ -n $have ]] || die "auth method $auth_path/ is not enabled yet: run setup.sh without arguments first"
	[[ $have == userpass ]] || die "auth method $auth_path/ is $have, not userpass: set AUTH_PATH to the userpass method's path"
	may "auth/$auth_path/users/$name" create update
	# The password comes on stdin and goes on stdin (vault reads "-" from
	# it), never argv. vault keeps a trailing newline (or a Windows CR) as
	# part of the password, so the first line is passed without its end: a
	# password file written by an editor would otherwise never log in.
	password=
	IFS= read -r password || true
	password=${password%$'\r'}
	[[ -n $password ]] || die "user $name: give the password on stdin, on its first line"
	printf %s "$password" | v "user $name" write "auth/$auth_path/users/$name" password=- token_policies="$policy" \
		token_ttl="${TOKEN_TTL:-24h}" token_max_ttl="${TOKEN_MAX_TTL:-720h}" >/dev/null
	unset password
	echo "user $name: may use $mount/users/$name/claude (log in with: vault login -method=userpass -path=$auth_path username=$name)"
	exit 0
fi
[[ $# == 0 ]] || die "usage: setup.sh, or setup.sh user NAME (password on stdin)"

# The mount: its KV version decides the policy's paths, so it is read, never
# assumed; KV_VERSION only chooses the version of a mount setup.sh makes.
may "sys/mounts/$mount" read
if type=$("$vault" read -field=type "sys/mounts/$mount" 2>"$errf"); then
	[[ $type == kv || $type == generic ]] || die "mount $mount/ is a $type mount, not KV: set CLAUDE_LAUNCH_VAULT_MOUNT to another path"
	opts=$(v "read mount $mount/" read -format=json -field=options "sys/mounts/$mount")
	have=1
	[[ ${opts//[[:space:]]/} == *'"version":"2"'* ]] && have=2
	[[ -z $kv_version || $kv_version == "$have" ]] ||
		die "mount $mount/ is KV version $have, not $kv_version:" \
			"leave KV_VERSION unset to write the policy for it, or set CLAUDE_LAUNCH_VAULT_MOUNT to another path"
	kv_version=$have
	echo "mount $mount/: there (KV version $kv_version)"
else
	grep -q "No secret engine mount at" "$errf" || die "read mount $mount/: $(reason)"
	kv_version=${kv_version:-2}
	may "sys/mounts/$mount" update
	v "make mount $mount/" secrets enable -path="$mount" -version="$kv_version" kv >/dev/null
	echo "mount $mount/: made (KV version $kv_version)"
fi
have=$(auth_there)
if [[ -z $have ]]; then
	may "sys/auth/$auth_path" update sudo
	v "enable auth method $auth_path/" auth enable -path="$auth_path" "$auth_type" >/dev/null
	echo "auth method $auth_path/: enabled ($auth_type)"
elif [[ $have == "$auth_type" ]]; then
	echo "auth method $auth_path/: there"
else
	die "auth method $auth_path/ is $have, not $auth_type: set AUTH_TYPE=$have, or AUTH_PATH to another path"
fi
accessor=$(v "read auth method $auth_path/" read -field=accessor "sys/auth/$auth_path")
[[ -n $accessor ]] || die "no accessor for auth method $auth_path/"

# Render the policy for this mount, its KV version and the auth method.
rendered=$(sed -e "s|MOUNT|$mount|g" -e "s|AUTH_ACCESSOR|$accessor|g" "$here/claude-launch.hcl")
if [[ $kv_version == 2 ]]; then
	rendered=$(printf '%s\n' "$rendered" | sed '/^# KV version 1/,$d')
else
	rendered=$(printf '%s\n' "$rendered" | sed '/^# KV version 2/,/^# KV version 1/{/^# KV version 1/!d}')
fi
may "sys/policies/acl/$policy" update
printf '%s\n' "$rendered" | v "write policy $policy" policy write "$policy" - >/dev/null
echo "policy $policy: written for $mount/users/<alias name of $auth_path ($accessor)>/claude"
