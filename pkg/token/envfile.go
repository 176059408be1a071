package token

// ReadEnvFile reads the setup token from the env file at path (fs.ErrNotExist,
// ErrInsecureFile, ErrInvalidToken); hints name rewrite, the command that rewrites it.
func ReadEnvFile(path, rewrite string) (Secret, error) {
	data, err := ReadSmallFile(path, "env file", Private, " and run `"+rewrite+"`")
	if err != nil {
		return Secret{}, err
	}
	v, ok, err := lookupEnv(data, EnvVar)
	switch {
	case err != nil:
		return Secret{}, Wrap("env file "+path+": ", err, "; fix that line or run `"+rewrite+"` to rewrite the file")
	case !ok:
		return Secret{}, Wrap("env file "+path+": ", ErrNoToken, ": it has no "+EnvVar+" line; run `"+rewrite+"` to rewrite it")
	}
	s, err := NewSecret(v)
	if err != nil {
		return Secret{}, Wrap("env file "+path+": ", err, "")
	}
	return s, nil
}

// EnvFileContent is an env file holding s after the comment header, for bash `.` and systemd's EnvironmentFile= alike.
func EnvFileContent(header string, s Secret) []byte {
	return []byte("# " + header + "\n" + EnvVar + "=" + s.Reveal() + "\n")
}
