package setting

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// EnvName checks that v, if set, is an environment variable name. It
// does not print v, which may be a secret pasted in by mistake.
func (p Problems) EnvName(field, v string) {
	if v != "" && !envNameRE.MatchString(v) {
		p.Add(field, "is not an environment variable name (letters, digits and _, without $)")
	}
}

// ReadSecret resolves a secret reference at the moment it is needed, so
// that a rotated secret is picked up: the value of the environment
// variable env, or the content of file without its trailing newline.
// what names the secret in errors ("imap password"). Exactly one of env
// and file must be set.
//
// It fails when the variable is unset or empty, or the file cannot be
// read or is empty. Errors name the variable or the file, never the
// secret.
func ReadSecret(what, env, file string) (string, error) {
	switch {
	case env != "" && file != "":
		return "", fmt.Errorf("%s: set only one of the environment variable and the file", what)
	case env != "":
		v := os.Getenv(env)
		if v == "" {
			return "", fmt.Errorf("%s: environment variable %s is unset or empty", what, env)
		}
		return v, nil
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s: %w", what, err) // *fs.PathError names the path
		}
		v := strings.TrimRight(string(data), "\r\n")
		if v == "" {
			return "", fmt.Errorf("%s: file %s is empty", what, file)
		}
		return v, nil
	}
	return "", errors.New(what + ": no reference")
}
