package token

import (
	"errors"
)

// ErrInsecureFile means a file that holds, or would hold, a token is not
// safe to use: a symlink, not a regular file, owned by another user, or open
// to group or others. Such a file is refused, never silently used.
var ErrInsecureFile = errors.New("insecure file")

// ErrNoToken means the place looked at holds no setup token: the env file
// has no CLAUDE_CODE_OAUTH_TOKEN line, or Vault answered, in its own terms,
// that there is none. It is an answer, not a failure.
var ErrNoToken = errors.New("no setup token")

// ErrChanged means a file grew while it was read, so what was read may be
// cut anywhere: it is refused, never used truncated.
var ErrChanged = errors.New("the file changed while it was read")

// ReadEnvFile reads the setup token from the env file at path. It refuses a
// file that is unsafe (ErrInsecureFile) and a token that is malformed
// (ErrInvalidToken). A missing file gives an error that matches
// fs.ErrNotExist. No error text contains the token or a line of the file.
// Hints tell the user to run rewrite, the command that rewrites the file.
func ReadEnvFile(path, rewrite string) (Secret, error) {
	data, err := ReadSmallFile(path, "env file", Private, " and run `"+rewrite+"`")
	if err != nil {
		return Secret{}, err
	}
	v, ok, err := lookupEnv(data, EnvVar)
	if err != nil {
		return Secret{}, wrap("env file "+path+": ", err, "; fix that line or run `"+rewrite+"` to rewrite the file")
	}
	if !ok {
		return Secret{}, wrap("env file "+path+": ", ErrNoToken, ": it has no "+EnvVar+" line; run `"+rewrite+"` to rewrite it")
	}
	s, err := NewSecret(v)
	if err != nil {
		return Secret{}, wrap("env file "+path+": ", err, "")
	}
	return s, nil
}

// EnvFileContent is what an env file holding s contains, after the comment
// line header: loadable by bash `.` and by systemd's EnvironmentFile=.
func EnvFileContent(header string, s Secret) []byte {
	return []byte("# " + header + "\n" + EnvVar + "=" + s.Reveal() + "\n")
}
