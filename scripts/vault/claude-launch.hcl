# claude-launch: each user may read, write and delete the secret at their
# own users/<name>/claude, and nothing else. <name> is the name of the
# user's entity alias in the auth method whose accessor setup.sh puts in
# place of AUTH_ACCESSOR: with userpass, LDAP or OIDC that is the login
# name, which must be the same as the user's login name on the
# workstations (claude-launch's {user}, looked up by uid).
#
# Rendered by setup.sh for the KV mount MOUNT, version 2 (data/ and
# metadata/ paths) or 1. An alias name holding + or * would widen its
# path: `setup.sh user` refuses such names, and Vault 1.21.6 (1.19.17,
# 1.20.11) and later deny them when rendering; where names come from
# elsewhere (LDAP, OIDC), run one of those versions.

# KV version 2
path "MOUNT/data/users/{{identity.entity.aliases.AUTH_ACCESSOR.name}}/claude" {
  capabilities = ["create", "read", "update", "patch", "delete"]
}
path "MOUNT/metadata/users/{{identity.entity.aliases.AUTH_ACCESSOR.name}}/claude" {
  capabilities = ["read", "delete"]
}

# KV version 1 (setup.sh keeps this block only for a version 1 mount)
path "MOUNT/users/{{identity.entity.aliases.AUTH_ACCESSOR.name}}/claude" {
  capabilities = ["create", "read", "update", "delete"]
}
