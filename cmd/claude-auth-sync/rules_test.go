package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

const (
	goodLogin   = `{"claudeAiOauth":{"accessToken":"sk-ant-oat01-stored","refreshToken":"sk-ant-ort01-stored","expiresAt":4102444800000,"scopes":["user:inference"]}}`
	victimLogin = `{"claudeAiOauth":{"accessToken":"sk-ant-oat01-stored","refreshToken":"","expiresAt":1000,"scopes":["user:inference"]}}`
)

// syncMetrics runs a real `claude-auth-sync sync` in a fresh home whose
// login is login, with a setup token in the env file when withToken, and
// returns the metrics file it wrote.
func syncMetrics(t *testing.T, bin, login string, withToken bool) string {
	t.Helper()
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".claude"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".claude", ".credentials.json"), []byte(login), 0o600); err != nil {
		t.Fatal(err)
	}
	if withToken {
		tok, _ := token.NewSecret(token.Prefix + "TESTrules")
		if err := store.WriteEnvFile(config.DefaultEnvFile(func(k string) string { return map[string]string{"HOME": home}[k] }), tok); err != nil {
			t.Fatal(err)
		}
	}
	metrics := filepath.Join(t.TempDir(), "claude-auth.prom")
	cmd := exec.Command(bin, "sync")
	cmd.Env = testenv.CoverEnv([]string{"HOME=" + home, "PATH=/usr/bin:/bin", config.EnvMetricsFile + "=" + metrics})
	out, _ := cmd.CombinedOutput()
	if _, err := os.Stat(metrics); err != nil {
		t.Fatalf("no metrics written: %v\n%s", err, out)
	}
	return metrics
}

func parseMetrics(t *testing.T, r *bytes.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("metrics do not parse as Prometheus parses them: %v", err)
	}
	return fams
}

// TestRulesOnRealSeries: the alert rules, under promtool test rules, fed
// with the series real syncs wrote: a setup token in use over the race
// victim's login never fires WorkstationClaudeAuthInvalid; the race
// victim's login with nothing to restore from fires it.
func TestRulesOnRealSeries(t *testing.T) {
	promtool := testenv.Tool(t, "promtool", "apt-get install prometheus (or `make tools`)")
	dir := t.TempDir()
	if err := testenv.BuildCommands(dir, "github.com/claude-launch/claude-launch/cmd/claude-auth-sync"); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "claude-auth-sync")
	var series strings.Builder
	for instance, file := range map[string]string{
		"setup-token": syncMetrics(t, bin, victimLogin, true),
		"victim":      syncMetrics(t, bin, victimLogin, false),
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for name, fam := range parseMetrics(t, bytes.NewReader(b)) {
			for _, m := range fam.GetMetric() {
				labels := []string{`instance="` + instance + `"`}
				for _, l := range m.GetLabel() {
					labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
				}
				slices.Sort(labels)
				v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
				fmt.Fprintf(&series, "      - series: '%s{%s}'\n        values: '%gx40'\n", name, strings.Join(labels, ","), v)
			}
		}
	}
	test := `rule_files:
  - ` + filepath.Join(repoRoot(t), "scripts", "prometheus", "claude-auth.rules.yml") + `
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
` + series.String() + `    alert_rule_test:
      - eval_time: 30m
        alertname: WorkstationClaudeAuthInvalid
        exp_alerts:
          - exp_labels:
              severity: warning
              instance: victim
              mode: login
            exp_annotations:
              summary: "claude on victim has no usable credential (mode login)"
              description: "Run ` + "`claude-auth-sync status`" + ` there; docs/RUNBOOK.md, \"The alert fired\"."
`
	path := filepath.Join(t.TempDir(), "real.test.yml")
	if err := os.WriteFile(path, []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, filepath.Join(repoRoot(t), "scripts", "prometheus", "claude-auth.rules.test.yml")} {
		if out, err := exec.Command(promtool, "test", "rules", f).CombinedOutput(); err != nil {
			t.Errorf("promtool test rules %s: %v\n%s\n%s", filepath.Base(f), err, out, test)
		}
	}
}

// TestNodeExporterReadsTheFile: a real prometheus-node-exporter, its
// textfile collector pointed at the directory sync writes to, serves our
// metrics without a scrape error, and `promtool check metrics` finds
// nothing wrong with them.
func TestNodeExporterReadsTheFile(t *testing.T) {
	exporter := testenv.Tool(t, "prometheus-node-exporter", "apt-get install prometheus-node-exporter (or `make tools`)")
	promtool := testenv.Tool(t, "promtool", "apt-get install prometheus (or `make tools`)")
	dir := t.TempDir()
	if err := testenv.BuildCommands(dir, "github.com/claude-launch/claude-launch/cmd/claude-auth-sync"); err != nil {
		t.Fatal(err)
	}
	metrics := syncMetrics(t, filepath.Join(dir, "claude-auth-sync"), goodLogin, true)
	b, err := os.ReadFile(metrics)
	if err != nil {
		t.Fatal(err)
	}
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = bytes.NewReader(b)
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ne := exec.CommandContext(ctx, exporter, "--collector.disable-defaults", "--collector.textfile",
		"--collector.textfile.directory="+filepath.Dir(metrics), "--web.listen-address="+addr)
	var logs bytes.Buffer
	ne.Stdout, ne.Stderr = &logs, &logs
	if err := ne.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = ne.Wait() }()
	var body []byte
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			body, err = readAll(resp)
			if err == nil && bytes.Contains(body, []byte("claude_auth_valid")) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("node_exporter did not serve our metrics: %v\n%s\n%s", err, body, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	fams := parseMetrics(t, bytes.NewReader(body))
	value := func(name string, labels map[string]string) (float64, bool) {
		for _, m := range fams[name].GetMetric() {
			ok := true
			for k, v := range labels {
				found := false
				for _, l := range m.GetLabel() {
					if l.GetName() == k && (l.GetValue() == v || strings.HasSuffix(l.GetValue(), v)) {
						found = true
					}
				}
				ok = ok && found
			}
			if ok {
				return m.GetGauge().GetValue() + m.GetCounter().GetValue(), true
			}
		}
		return 0, false
	}
	if v, ok := value("claude_auth_valid", map[string]string{"mode": "setup_token"}); !ok || v != 1 {
		t.Errorf("claude_auth_valid{mode=setup_token} = %v (%v)", v, ok)
	}
	if v, ok := value("node_textfile_scrape_error", nil); !ok || v != 0 {
		t.Errorf("node_textfile_scrape_error = %v (%v)", v, ok)
	}
	if _, ok := value("node_textfile_mtime_seconds", map[string]string{"file": "claude-auth.prom"}); !ok {
		t.Error("no node_textfile_mtime_seconds for our file: the staleness alert would have nothing to watch")
	}
}

func readAll(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err := b.ReadFrom(resp.Body)
	return b.Bytes(), err
}

func repoRoot(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
