// Package offline runs the real claude CLI with no network but its own:
// the Messages API, the OAuth token endpoint at claude's built-in token
// URL, and the profile and connectivity endpoints, all answered on
// loopback by local fakes, so that claude's refreshes, its lock and its
// races are observed rather than modelled.
//
// The fakes are reached through private network and mount namespaces
// made on one locked OS thread of the calling process: its own loopback
// (so port 443 is ours, not the host's), an /etc/hosts that maps
// platform.claude.com and api.anthropic.com to 127.0.0.1, and TLS from a
// CA made for the run, trusted by claude through NODE_EXTRA_CA_CERTS.
// Every process a Harness starts is forked from that thread and so lives
// in those namespaces; nothing of the host's network or files changes,
// and everything is gone when the Harness is closed. It needs root
// (CAP_SYS_ADMIN for the namespaces).
//
// The token endpoint rotates refresh tokens as an OAuth server does, with
// a policy for a refresh token presented again (reject, revoke the
// family, or a reuse window), a configurable access-token lifetime,
// latency before and after it rotates, and a hook that may kill the
// client that asked, before the endpoint rotates or after it rotated and
// before it answers. Every
// request is logged with which refresh token it presented, shortened;
// no log holds a whole token.
package offline
