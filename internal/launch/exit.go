package launch

// Exit codes of all three programs, before they exec anything; after an
// exec the program's own code is the only code. The launcher codes follow
// the shell's conventions, which claude and t3-serve do not use for
// themselves, and t3-serve@.service lists them in RestartPreventExitStatus=
// so that systemd does not restart what cannot start.
const (
	// ExitOK: done.
	ExitOK = 0
	// ExitFailed: claude-auth-sync failed and said why on stderr (a
	// launcher that ran it adds nothing); status: not healthy.
	ExitFailed = 1
	// ExitUsage: a command line that does not parse.
	ExitUsage = 2
	// ExitRefused: t3-serve-launch refused to start the server (the caps
	// cannot be put in force, or the unit is set up wrong): sysexits'
	// EX_CONFIG.
	ExitRefused = 78
	// ExitRecursion: launchers exec'd each other MaxDepth times.
	ExitRecursion = 125
	// ExitCannotExec: the program was found but could not be executed.
	ExitCannotExec = 126
	// ExitNotFound: no real program was found.
	ExitNotFound = 127
)
