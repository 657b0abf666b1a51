package configs

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Account returns the account called name, pointing into c.Accounts.
func (c *Config) Account(name string) (*Account, bool) {
	a := FindAccount(c.Accounts, name)
	return a, a != nil
}

// FindAccount returns the account called name, pointing into accounts,
// or nil.
func FindAccount(accounts []Account, name string) *Account {
	for i := range accounts {
		if accounts[i].Name == name {
			return &accounts[i]
		}
	}
	return nil
}

// Password resolves the password reference at connect time, so that a
// rotated secret is picked up on the next login: the value of the
// environment variable PasswordEnv, or the content of PasswordFile
// without its trailing newline.
//
// It fails when the variable is unset or empty, or the file cannot be
// read or is empty. Errors name the variable or the file, never the
// password.
func (a IMAP) Password() (string, error) {
	switch {
	case a.PasswordEnv != "" && a.PasswordFile != "":
		return "", errors.New("imap password: set only one of password_env and password_file")
	case a.PasswordEnv != "":
		return passwordFromEnv(a.PasswordEnv)
	case a.PasswordFile != "":
		return passwordFromFile(a.PasswordFile)
	}
	return "", errors.New("imap password: missing password reference: set password_env or password_file")
}

func passwordFromEnv(name string) (string, error) {
	v := os.Getenv(name)
	if v == "" {
		return "", fmt.Errorf("imap password: environment variable %s is unset or empty", name)
	}
	return v, nil
}

func passwordFromFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("imap password: %w", err) // *fs.PathError names the path
	}
	pw := strings.TrimRight(string(data), "\r\n")
	if pw == "" {
		return "", fmt.Errorf("imap password: file %s is empty", path)
	}
	return pw, nil
}
