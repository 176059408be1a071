#!/bin/sh
# For callers of the old start-claude.sh (`. envfile; exec claude`): the
# launcher does that now, and more (Vault on a miss, refusing an unsafe
# env file, the untouched login when there is no token).
exec claude-launch "$@"
