package imapx_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailassist/imapx"
)

const secret = "s3cret-hunter2"

func TestPassword(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	t.Setenv("MAILASSIST_TEST_PW", secret)
	t.Setenv("MAILASSIST_TEST_EMPTY", "")
	tests := []struct {
		name string
		imap imapx.Config
		want string // the password, or a substring of the error
		ok   bool
	}{
		{"env", imapx.Config{PasswordEnv: "MAILASSIST_TEST_PW"}, secret, true},
		{"file", imapx.Config{PasswordFile: write("pw", secret+"\n")}, secret, true},
		{"file crlf", imapx.Config{PasswordFile: write("crlf", secret+"\r\n")}, secret, true},
		{"file without newline", imapx.Config{PasswordFile: write("bare", secret)}, secret, true},
		{"file keeps inner spaces", imapx.Config{PasswordFile: write("sp", " a b \n")}, " a b ", true},
		{"env unset", imapx.Config{PasswordEnv: "MAILASSIST_TEST_UNSET"}, "environment variable MAILASSIST_TEST_UNSET is unset or empty", false},
		{"env empty", imapx.Config{PasswordEnv: "MAILASSIST_TEST_EMPTY"}, "environment variable MAILASSIST_TEST_EMPTY is unset or empty", false},
		{"file missing", imapx.Config{PasswordFile: filepath.Join(dir, "missing")}, filepath.Join(dir, "missing"), false},
		{"file empty", imapx.Config{PasswordFile: write("empty", "\n")}, "empty", false},
		{"file is a directory", imapx.Config{PasswordFile: dir}, dir, false},
		{"none", imapx.Config{}, "missing password reference", false},
		{"both", imapx.Config{PasswordEnv: "MAILASSIST_TEST_PW", PasswordFile: write("both", secret)}, "set only one", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.imap.Password()
			switch {
			case tt.ok && (err != nil || got != tt.want):
				t.Errorf("Password() = %q, %v; want %q", got, err, tt.want)
			case !tt.ok && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Password() = %q, %v; want an error containing %q", got, err, tt.want)
			case !tt.ok && (got != "" || strings.Contains(err.Error(), secret)):
				t.Errorf("Password() = %q, %v: leaks the secret", got, err)
			}
		})
	}
}
