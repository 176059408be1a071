package cli

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/alecthomas/kong"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/version"
)

// WriteDocs writes app's man page and its bash, zsh and fish completions
// under dir (a share/ tree), and claude-launch's man page, all from the kong
// model and the settings table.
func WriteDocs(dir string, app *kong.Application) error {
	n, fn := app.Name, strings.ReplaceAll(app.Name, "-", "_")
	var bash, zsh, fish, man strings.Builder
	cmds, words, values, files := []string{}, []string{}, []string{}, []string{}
	man.WriteString(".TH " + strings.ToUpper(n) + " 1 \"\" \"claude-launch " + version.String() + "\"\n.ad l\n.SH NAME\n" + n + " \\- " +
		roff(app.Help) + "\n.SH SYNOPSIS\n.B " + n + "\n" + roff(strings.TrimSpace(app.Summary())) + "\n.SH OPTIONS\n")
	flag := func(f *kong.Flag, cond string) {
		if f.Hidden {
			return
		}
		d := short(f.Help)
		words = append(words, "--"+f.Name)
		man.WriteString(".TP\n\\fB\\-\\-" + roff(f.Name) + "\\fR")
		fish.WriteString("complete -c " + n + cond + " -l " + f.Name + " -d '" + d + "'")
		zs := "'--" + f.Name
		if !f.IsBool() {
			man.WriteString("=\\fI" + f.FormatPlaceHolder() + "\\fR")
			fish.WriteString(" -r")
			zs += "=[" + d + "]:" + f.FormatPlaceHolder() + ": '"
			if values = append(values, "--"+f.Name); strings.Contains("PATH DIR", f.FormatPlaceHolder()) {
				files, zs = append(files, "--"+f.Name), zs[:len(zs)-2]+"_files'"
				fish.WriteString(" -F")
			}
		} else {
			zs += "[" + d + "]'"
		}
		man.WriteString("\n" + roff(f.Help) + "\n")
		fish.WriteString("\n")
		zsh.WriteString("\t\t" + zs + "\n")
	}
	zsh.WriteString("#compdef " + n + "\n_" + fn + "() {\n\tlocal -a cmds flags=(\n")
	for _, f := range app.Flags {
		flag(f, "")
	}
	zsh.WriteString("\t)\n")
	root := strings.Join(words, " ")
	if len(app.Children) > 0 {
		man.WriteString(".SH COMMANDS\n" + roff("`"+n+" help COMMAND` shows the help of a command.") + "\n")
	}
	for _, c := range app.Children {
		if c.Hidden {
			continue
		}
		cmds, words = append(cmds, c.Name), nil
		man.WriteString(".SS " + c.Name + "\n" + roff(c.Help) + "\n")
		fish.WriteString("complete -c " + n + " -f -n __fish_use_subcommand -a " + c.Name + " -d '" + short(c.Help) + "'\n")
		zsh.WriteString("\tcmds+=('" + c.Name + ":" + short(c.Help) + "')\n\tlocal -a flags_" + c.Name + "=(\n")
		for _, f := range c.Flags {
			flag(f, " -n '__fish_seen_subcommand_from "+c.Name+"'")
		}
		zsh.WriteString("\t)\n")
		bash.WriteString("\t" + c.Name + ") words=\"" + root + " " + strings.Join(words, " ") + "\" ;;\n")
	}
	if len(cmds) > 0 {
		zsh.WriteString("\tlocal curcontext=$curcontext state line\n\t_arguments -C $flags '1: :->cmd' '*:: :->args'\n" +
			"\tcase $state in\n\tcmd) _describe command cmds ;;\n\targs) local -a f=(\"${(@P)${:-flags_$line[1]}}\"); _arguments $flags $f '*: :_files' ;;\n\tesac\n")
	} else {
		zsh.WriteString("\t_arguments $flags '*: :_files'\n")
	}
	zsh.WriteString("}\n_" + fn + " \"$@\"\n")
	man.WriteString(envSection(func(s *config.Setting) bool { return s.Flag == "" }, "Each setting above also comes from its variable or the config file.") +
		".SH SEE ALSO\nclaude\\-launch(1), claude\\-auth\\-sync(1), t3\\-serve\\-launch(1)\n")
	bash.WriteString("\t*) words=\"" + root + " " + strings.Join(cmds, " ") + "\" ;;\n\tesac\n")
	sh := "_" + fn + "() {\n\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= w words\n" +
		"\tfor w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n\t\tcase $w in " + strings.Join(append(cmds, "\"\""), "|") + ") cmd=$w ;; esac\n\tdone\n" +
		"\tcase $prev in\n\t" + strings.Join(append(files, "\"\""), "|") + ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n\t" +
		strings.Join(append(values, "\"\""), "|") + ") return ;;\n\tesac\n\tcase $cmd in\n" + bash.String() +
		"\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n}\ncomplete -o default -F _" + fn + " " + n + "\n"
	out := map[string]string{"man/man1/" + n + ".1": man.String(), "bash-completion/completions/" + n: sh,
		"zsh/site-functions/_" + n: zsh.String(), "fish/vendor_completions.d/" + n + ".fish": fish.String(),
		"man/man1/claude-launch.1": launchPage()}
	for name, text := range out {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// launchPage is claude-launch's man page: it has no command line of its
// own, so the page says how to find out what it does and what it reads.
func launchPage() string {
	return ".TH CLAUDE\\-LAUNCH 1 \"\" \"claude-launch " + version.String() + "\"\n.ad l\n.SH NAME\nclaude\\-launch \\- start claude with your setup token\n" +
		".SH SYNOPSIS\n.B claude\\-launch\n[\\fIclaude arguments\\fR...]\n.SH DESCRIPTION\n" + roff("claude-launch passes every argument to claude "+
		"unchanged (so claude-launch --help is claude's help). It sets CLAUDE_CODE_OAUTH_TOKEN from the env file, or on a miss from Vault through "+
		"claude-auth-sync sync, and execs claude.") + "\n.PP\n" + roff("To see what it does: claude-auth-sync status says what the next claude "+
		"uses and whether it is healthy; claude-auth-sync settings shows every setting in effect and where it comes from; "+
		"CLAUDE_LAUNCH_LOG_LEVEL=debug claude-launch --version logs each step on stderr.") + "\n" +
		envSection(func(s *config.Setting) bool { return s.Launch }, "It reads these settings from the environment, else the config file.") +
		".SH SEE ALSO\nclaude\\-auth\\-sync(1), t3\\-serve\\-launch(1)\n"
}

// envSection lists the settings that pass keep, with their help.
func envSection(keep func(*config.Setting) bool, intro string) string {
	b := ".SH ENVIRONMENT\n" + roff(intro) + "\n"
	for _, s := range config.Settings {
		if keep(s) {
			b += ".TP\n.B " + s.Name + "\n" + roff(s.FlagHelp()) + "\n"
		}
	}
	return b
}

// roff escapes s as one line of man page text.
func roff(s string) string {
	s = strings.NewReplacer("\\", "\\e", "-", "\\-", "\n", " ", "/", "/\\:").Replace(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = "\\&" + s
	}
	return s
}

// short is the first sentence of help, without what a shell would read.
func short(help string) string {
	if i := strings.Index(help, ". "); i > 0 {
		help = help[:i]
	}
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("'\"[]:\\`$", r) {
			return -1
		}
		return r
	}, strings.TrimSuffix(help, "."))
}
