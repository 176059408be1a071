package testenv

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	osuser "os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// RootToken is the dev server's root token.
const RootToken = "root-test-token"

// VaultServer is a real `vault server -dev` on 127.0.0.1, with KV version
// 2 at secret/ (the dev default), KV version 1 at kv1/, and a file audit
// device that records every request.
type VaultServer struct {
	Addr     string
	AuditLog string
	Client   *api.Client // root client, for set-up
	cmd      *exec.Cmd
}

// StartVault starts a dev server for t and stops it when t ends. It skips
// t when there is no vault binary.
func StartVault(t testing.TB) *VaultServer {
	t.Helper()
	bin := Vault(t)
	dir := t.TempDir()
	v, err := StartVaultIn(bin, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Stop)
	return v
}

// StartVaultIn starts a dev server whose files live in dir; the caller
// stops it.
func StartVaultIn(bin, dir string) (*VaultServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	logf, err := os.Create(filepath.Join(dir, "vault.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "server", "-dev", "-dev-no-store-token",
		"-dev-root-token-id="+RootToken, "-dev-listen-address="+addr)
	cmd.Env = append(os.Environ(), "HOME="+dir, "VAULT_DISABLE_MLOCK=true")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	v := &VaultServer{Addr: "http://" + addr, AuditLog: filepath.Join(dir, "audit.log"), cmd: cmd}
	cfg := api.DefaultConfig()
	cfg.Address = v.Addr
	if v.Client, err = api.NewClient(cfg); err != nil {
		v.Stop()
		return nil, err
	}
	v.Client.SetToken(RootToken)
	if err := v.waitReady(30 * time.Second); err != nil {
		v.Stop()
		b, _ := os.ReadFile(logf.Name())
		return nil, fmt.Errorf("vault dev server did not start: %w\n%s", err, b)
	}
	sys := v.Client.Sys()
	if err := sys.Mount("kv1", &api.MountInput{Type: "kv", Options: map[string]string{"version": "1"}}); err != nil {
		v.Stop()
		return nil, err
	}
	if err := sys.EnableAuditWithOptions("file", &api.EnableAuditOptions{Type: "file", Options: map[string]string{"file_path": v.AuditLog}}); err != nil {
		v.Stop()
		return nil, err
	}
	return v, nil
}

func (v *VaultServer) waitReady(d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		h, err := v.Client.Sys().HealthWithContext(ctx)
		cancel()
		if err == nil && h.Initialized && !h.Sealed {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s: %v", d, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops the server.
func (v *VaultServer) Stop() {
	if v.cmd.Process != nil {
		_ = v.cmd.Process.Kill()
		_ = v.cmd.Wait()
	}
}

// Token makes a token with only the given policy (HCL), as a user's own
// token would have.
func (v *VaultServer) Token(policy string) (string, error) {
	name := fmt.Sprintf("p%d", time.Now().UnixNano())
	if err := v.Client.Sys().PutPolicy(name, policy); err != nil {
		return "", err
	}
	s, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{name}, NoParent: true})
	if err != nil {
		return "", err
	}
	return s.Auth.ClientToken, nil
}

// UserPolicy lets a user read their own claude secret on both KV mounts.
func UserPolicy(user string) string {
	return fmt.Sprintf(`path "secret/data/users/%[1]s/*" { capabilities = ["read"] }
path "kv1/users/%[1]s/*" { capabilities = ["read"] }
`, user)
}

// UserWritePolicy also lets the user store and remove their own token
// (claude-auth-sync enable, rotate, disable), as a team's policy would.
func UserWritePolicy(user string) string {
	return fmt.Sprintf(`path "secret/data/users/%[1]s/*" { capabilities = ["create", "read", "update", "patch"] }
path "kv1/users/%[1]s/*" { capabilities = ["create", "read", "update", "delete"] }
`, user)
}

// Reads counts the read requests the audit log recorded for path, such as
// "secret/data/users/root/claude".
func (v *VaultServer) Reads(path string) (int, error) { return auditReads(v.AuditLog, path) }

// auditReads counts the read requests of path in a file audit log.
func auditReads(log, path string) (int, error) {
	f, err := os.Open(log)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e struct {
			Type    string `json:"type"`
			Request struct {
				Path      string `json:"path"`
				Operation string `json:"operation"`
			} `json:"request"`
		}
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Type == "request" &&
			e.Request.Operation == "read" && strings.TrimPrefix(e.Request.Path, "/") == path {
			n++
		}
	}
	return n, sc.Err()
}

// StartUserVault starts a dev server for t, as StartVault does, and returns
// the current user's name and a token that reads only that user's own
// secrets (UserPolicy), as a user's own token would.
func StartUserVault(t testing.TB) (v *VaultServer, user, userToken string) {
	t.Helper()
	v = StartVault(t)
	u, err := osuser.Current()
	if err != nil {
		t.Fatal(err)
	}
	if userToken, err = v.Token(UserPolicy(u.Username)); err != nil {
		t.Fatal(err)
	}
	return v, u.Username, userToken
}

// PutSetupToken stores tok as user's setup token at the default path of
// the KV version 2 mount secret/.
func (v *VaultServer) PutSetupToken(t testing.TB, user, tok string) {
	t.Helper()
	if _, err := v.Client.KVv2("secret").Put(context.Background(), "users/"+user+"/claude", map[string]any{"setup_token": tok}); err != nil {
		t.Fatal(err)
	}
}
