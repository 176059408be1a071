package layout_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// TestDocs keeps the README a user's page (at most 250 lines: the rest
// lives in docs/) whose install steps the runbook and the timer's unit
// repeat, and checks that every relative link in the README and in docs/
// names a file that exists and, after a #, a heading of that file.
func TestDocs(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(readme), "\n"); n > 250 {
		t.Errorf("README.md has %d lines: it is a user's page of at most 250; move the rest to a page in docs/ and link it", n)
	}
	// One install story: the runbook's and the timer unit's are the README's.
	_, install, _ := strings.Cut(string(readme), "\n## Install\n")
	_, install, _ = strings.Cut(install, "```sh\ngit clone") // one person's, from a clone
	install, _, _ = strings.Cut(install, "```")
	_, install, _ = strings.Cut(install, "\n") // not the git clone
	runbook, _ := os.ReadFile("docs/RUNBOOK.md")
	unit, _ := os.ReadFile("scripts/systemd/claude-auth-sync.service")
	if !strings.Contains(install, "systemctl --user") || !strings.Contains(string(runbook), install) {
		t.Errorf("docs/RUNBOOK.md does not set up as the README's Install says:\n%s", install)
	}
	for _, line := range strings.Split(install, "\n") {
		if strings.HasPrefix(line, "systemctl --user") && !strings.Contains(string(unit), line) {
			t.Errorf("scripts/systemd/claude-auth-sync.service does not say %q, as the README does", line)
		}
	}

	pages := []string{"README.md"}
	err = filepath.WalkDir("docs", func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".md") {
			pages = append(pages, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, page := range pages {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(prose(string(b)), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			path := page
			if file != "" {
				path = filepath.Join(filepath.Dir(page), file)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s links %s, which does not exist", page, target)
				continue
			}
			if anchor != "" && !anchors(t, path)[anchor] {
				t.Errorf("%s links %s: %s has no heading whose anchor is #%s", page, target, path, anchor)
			}
		}
	}
}

// prose is a Markdown text without its code spans, where a link is not a link.
func prose(s string) string { return codeSpan.ReplaceAllString(unfenced(s), "") }

var codeSpan = regexp.MustCompile("`[^`\n]*`")

// unfenced is a Markdown text without its fenced code blocks.
func unfenced(s string) string {
	var b strings.Builder
	fenced := false
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
		} else if !fenced {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// anchors are the anchors GitHub gives the headings of a Markdown file:
// lower case, letters, digits, - and _ kept, spaces made -, repeats -1, -2.
func anchors(t *testing.T, path string) map[string]bool {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	count := map[string]int{}
	for _, line := range strings.Split(unfenced(string(b)), "\n") {
		text, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " ")
		if !ok || !strings.HasPrefix(line, "#") {
			continue
		}
		a := strings.Map(func(r rune) rune {
			switch {
			case r == ' ':
				return '-'
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				return unicode.ToLower(r)
			}
			return -1
		}, strings.TrimSpace(text))
		if n := count[a]; n > 0 {
			seen[a+"-"+strconv.Itoa(n)] = true
		} else {
			seen[a] = true
		}
		count[a]++
	}
	return seen
}
