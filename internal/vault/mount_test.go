package vault

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/hashicorp/vault/api"
)

// TestMountRemovedBetweenPreflightAndRead: the real Vault, whose KV mount
// is removed after the preflight found it and before the read. Vault then
// answers the read with a 404 that names no secret ("no handler for
// route"): an error, never "no setup token", so nothing is removed.
func TestMountRemovedBetweenPreflightAndRead(t *testing.T) {
	v := testenv.StartVault(t)
	ctx := context.Background()
	if err := v.Client.Sys().Mount("gone", &api.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Client.KVv2("gone").Put(ctx, "users/x/claude", map[string]any{"setup_token": testToken}); err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(v.Addr)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var unmounted atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxy.ServeHTTP(w, r)
		if strings.HasPrefix(r.URL.Path, "/v1/sys/internal/ui/mounts/") && unmounted.CompareAndSwap(false, true) {
			if err := v.Client.Sys().Unmount("gone"); err != nil {
				t.Error(err)
			}
		}
	}))
	defer srv.Close()
	c, err := New(settings(t, srv.URL, config.EnvVaultMount+"=gone", config.EnvVaultPath+"=users/x/claude"),
		getenvOf(map[string]string{"VAULT_TOKEN": testenv.RootToken}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Fetch(ctx)
	if !unmounted.Load() {
		t.Fatal("the mount was not removed between the preflight and the read")
	}
	if err == nil || errors.Is(err, token.ErrNoToken) {
		t.Fatalf("a read of a removed mount = %v; want an error that is not \"no setup token\"", err)
	}
	if !strings.Contains(err.Error(), "no handler for route") || !strings.Contains(err.Error(), "check "+config.EnvVaultMount) {
		t.Errorf("message does not say what happened and what to check: %v", err)
	}
	t.Log(err)
}
