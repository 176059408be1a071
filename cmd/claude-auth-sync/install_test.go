package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

// makeRun runs make in the repository with args, HOME set to home and PATH
// to path (Go's caches kept where the tests' go keeps them).
func makeRun(t *testing.T, home, path string, args ...string) (string, error) {
	t.Helper()
	mk := testenv.Tool(t, "make", "apt-get install make")
	cmd := exec.Command(mk, append([]string{"--no-print-directory", "-C", repoRoot(t)}, args...)...)
	cmd.Env = []string{"HOME=" + home, "PATH=" + path}
	for _, v := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY", "GOFLAGS", "GOTOOLCHAIN"} {
		if out, err := exec.Command("go", "env", v).Output(); err == nil {
			cmd.Env = append(cmd.Env, v+"="+strings.TrimSpace(string(out)))
		}
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestMakeInstall: `make install` puts the programs and the agents script in
// PREFIX/bin, the man pages and completions of BIN/share in PREFIX/share,
// the timer's units (pointing at that claude-auth-sync) in the user unit
// directory, a commented config file where there was none, all below
// DESTDIR; warns when PREFIX/bin is not in PATH; and says what to run next,
// in order. A config file already there is kept. `make uninstall` removes
// every file it installed, by name, and keeps the config and env files.
func TestMakeInstall(t *testing.T) {
	dir := t.TempDir()
	home, stage, build := filepath.Join(dir, "home"), filepath.Join(dir, "stage"), filepath.Join(dir, "build")
	const prefix = "/opt/cl"
	// What make build generates into BIN/share, by name (docs_test.go checks
	// what they say).
	share := []string{"man/man1/claude-launch.1", "man/man1/claude-auth-sync.1", "man/man1/t3-serve-launch.1",
		"bash-completion/completions/claude-auth-sync", "zsh/site-functions/_claude-auth-sync",
		"fish/vendor_completions.d/t3-serve-launch.fish"}
	conf := filepath.Join(stage, home, ".config/claude-launch/config")
	envFile := filepath.Join(stage, home, ".config/claude-auth-sync/claude-oauth.env")
	if err := os.MkdirAll(filepath.Dir(envFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(envFile, []byte("CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	goDir := filepath.Dir(testenv.Tool(t, "go", "install Go"))
	vars := []string{"PREFIX=" + prefix, "DESTDIR=" + stage, "BIN=" + build}
	install := func(path string) string {
		out, err := makeRun(t, home, path, append([]string{"install"}, vars...)...)
		if err != nil {
			t.Fatalf("make install: %v\n%s", err, out)
		}
		return out
	}

	out := install(goDir + ":/usr/bin:/bin")
	for _, f := range []string{"claude-launch", "claude-auth-sync", "t3-serve-launch", "claude-agents"} {
		if fi, err := os.Stat(filepath.Join(stage, prefix, "bin", f)); err != nil || fi.Mode().Perm()&0o111 == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, f := range share {
		if fi, err := os.Stat(filepath.Join(stage, prefix, "share", f)); err != nil || fi.Size() == 0 {
			t.Errorf("share/%s: not installed (%v)", f, err)
		}
	}
	units := filepath.Join(stage, home, ".config/systemd/user")
	unit, err := os.ReadFile(filepath.Join(units, "claude-auth-sync.service"))
	if err != nil || !strings.Contains(string(unit), "\nExecStart="+prefix+"/bin/claude-auth-sync sync\n") {
		t.Errorf("unit: %v\n%s", err, unit)
	}
	if _, err := os.Stat(filepath.Join(units, "claude-auth-sync.timer")); err != nil {
		t.Error(err)
	}
	if b, err := os.ReadFile(conf); err != nil || !strings.Contains(string(b), "#VAULT_ADDR=") {
		t.Errorf("config: %v", err)
	}
	// The steps that follow, in the order a person takes them: the README's.
	rest := out
	for _, s := range append(readmeSteps(t, home), prefix+"/bin/claude-launch") {
		i := strings.Index(rest, s)
		if i < 0 {
			t.Errorf("make install's closing lines lack the README's %q, or name it out of order:\n%s", s, out)
			break
		}
		rest = rest[i+len(s):]
	}
	warning := "warning: " + prefix + "/bin is not in your PATH"
	if !strings.Contains(out, warning) || !strings.Contains(out, `export PATH="`+prefix+`/bin:$PATH"`) {
		t.Errorf("no PATH warning, with the line to add:\n%s", out)
	}

	if err := os.WriteFile(conf, []byte("VAULT_ADDR=https://mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := install(prefix + "/bin:" + goDir + ":/usr/bin:/bin"); strings.Contains(out, warning) {
		t.Errorf("a PATH warning with %s/bin in PATH:\n%s", prefix, out)
	}
	if b, _ := os.ReadFile(conf); string(b) != "VAULT_ADDR=https://mine\n" {
		t.Error("make install replaced an existing config file")
	}

	if out, err := makeRun(t, home, "/usr/bin:/bin", append([]string{"uninstall"}, vars...)...); err != nil {
		t.Fatalf("make uninstall: %v\n%s", err, out)
	}
	var left []string
	_ = filepath.WalkDir(stage, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, strings.TrimPrefix(p, stage))
		}
		return err
	})
	if want := []string{filepath.Join(home, ".config/claude-auth-sync/claude-oauth.env"), filepath.Join(home, ".config/claude-launch/config")}; strings.Join(left, " ") != strings.Join(want, " ") {
		t.Errorf("after make uninstall: %q left, want only the env file and the config file %q", left, want)
	}
}

// readmeSteps are the commands of the README's Install and Enable
// sections that follow `make install`, with ~/.config written out for home.
func readmeSteps(t *testing.T, home string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, section := range []string{"\n## Install\n", "\n## Enable"} {
		_, s, _ := strings.Cut(string(b), section)
		if c, rest, ok := strings.Cut(s, "```sh\ngit clone"); ok && !strings.Contains(c, "\n## ") {
			s = "git clone" + rest // one person's install, from a clone
		} else {
			_, s, _ = strings.Cut(s, "```sh\n")
		}
		s, _, _ = strings.Cut(s, "```")
		for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
			cmd, _, _ := strings.Cut(line, "  #")
			if cmd = strings.TrimSpace(cmd); !strings.HasPrefix(cmd, "git clone") && cmd != "make install" {
				steps = append(steps, strings.ReplaceAll(cmd, "~/.config/", home+"/.config/"))
			}
		}
	}
	if len(steps) < 6 {
		t.Fatalf("README.md's Install and Enable sections give %q, not the steps after make install", steps)
	}
	return steps
}

// TestMakeInstallUnit: `make install-unit` (as root) needs no Go: it
// installs the t3-serve-launch that `make build` made, and the unit, and
// says to run `make build` first when there is none.
func TestMakeInstallUnit(t *testing.T) {
	dir := t.TempDir()
	stage, build := filepath.Join(dir, "stage"), filepath.Join(dir, "build")
	noGo := "/usr/bin:/bin"
	for _, d := range filepath.SplitList(noGo) {
		if _, err := os.Stat(filepath.Join(d, "go")); err == nil {
			t.Skip("go is in " + d + " here: no PATH without it to try")
		}
	}
	out, err := makeRun(t, dir, noGo, "install-unit", "DESTDIR="+stage, "BIN="+build)
	if err == nil || !strings.Contains(out, "run `make build` as yourself first, then `sudo make install-unit`") {
		t.Errorf("install-unit without a build: %v\n%s", err, out)
	}
	if err := testenv.BuildCommands(build, "github.com/claude-launch/claude-launch/cmd/t3-serve-launch"); err != nil {
		t.Fatal(err)
	}
	if out, err := makeRun(t, dir, noGo, "install-unit", "DESTDIR="+stage, "BIN="+build); err != nil {
		t.Fatalf("install-unit, with no go in PATH: %v\n%s", err, out)
	}
	unit, err := os.ReadFile(filepath.Join(stage, "etc/systemd/system/t3-serve@.service"))
	if err != nil || !strings.Contains(string(unit), "\nExecStart=/usr/local/bin/t3-serve-launch serve\n") {
		t.Errorf("unit: %v\n%s", err, unit)
	}
	if fi, err := os.Stat(filepath.Join(stage, "usr/local/bin/t3-serve-launch")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("t3-serve-launch: %v", err)
	}
	if out, err := makeRun(t, dir, noGo, "uninstall-unit", "DESTDIR="+stage); err != nil {
		t.Fatalf("uninstall-unit: %v\n%s", err, out)
	}
	for _, f := range []string{"etc/systemd/system/t3-serve@.service", "usr/local/bin/t3-serve-launch"} {
		if _, err := os.Stat(filepath.Join(stage, f)); err == nil {
			t.Errorf("uninstall-unit left %s", f)
		}
	}
}

// TestInstalledDocsAreFound: after `make install` into ~/.local, man, bash
// (bash-completion) and fish find the man page and the completions by
// themselves, and zsh with the one fpath line the README gives.
func TestInstalledDocsAreFound(t *testing.T) {
	home := t.TempDir()
	goDir := filepath.Dir(testenv.Tool(t, "go", "install Go"))
	if out, err := makeRun(t, home, goDir+":/usr/bin:/bin", "install", "PREFIX="+home+"/.local", "BIN="+t.TempDir()); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	path := home + "/.local/bin:/usr/bin:/bin"
	completion := "/usr/share/bash-completion/bash_completion"
	if _, err := os.Stat(completion); err != nil {
		testenv.Missing(t, "bash-completion", "apt-get install bash-completion")
	}
	for _, c := range []struct{ tool, install, script, want string }{
		{"man", "apt-get install man-db", "man -w claude-auth-sync", home + "/.local/share/man/man1/claude-auth-sync.1"},
		{"bash", "apt-get install bash", ". " + completion + "; __load_completion claude-auth-sync; complete -p claude-auth-sync",
			"complete -o default -F _claude_auth_sync claude-auth-sync"},
		{"fish", "apt-get install fish", "complete -C 'claude-auth-sync sta'", "status\t"},
		{"zsh", "apt-get install zsh", "fpath+=(~/.local/share/zsh/site-functions); autoload -Uz compinit; compinit -u; print -r -- $_comps[claude-auth-sync]",
			"_claude-auth-sync"},
	} {
		shell := testenv.Tool(t, c.tool, c.install)
		args := []string{"-c", c.script}
		switch c.tool {
		case "man":
			shell, args = "/bin/sh", []string{"-c", c.script}
		case "zsh":
			args = []string{"-f", "-c", c.script}
		}
		cmd := exec.Command(shell, args...)
		cmd.Env = []string{"HOME=" + home, "PATH=" + path, "TERM=dumb"}
		out, err := cmd.CombinedOutput()
		if !strings.Contains(string(out), c.want) {
			t.Errorf("%s does not find what make install put in ~/.local: %v\n%s", c.tool, err, out)
		}
	}
}
