package configs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailassist/configs"
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
		imap configs.IMAP
		want string // the password, or a substring of the error
		ok   bool
	}{
		{"env", configs.IMAP{PasswordEnv: "MAILASSIST_TEST_PW"}, secret, true},
		{"file", configs.IMAP{PasswordFile: write("pw", secret+"\n")}, secret, true},
		{"file crlf", configs.IMAP{PasswordFile: write("crlf", secret+"\r\n")}, secret, true},
		{"file without newline", configs.IMAP{PasswordFile: write("bare", secret)}, secret, true},
		{"file keeps inner spaces", configs.IMAP{PasswordFile: write("sp", " a b \n")}, " a b ", true},
		{"env unset", configs.IMAP{PasswordEnv: "MAILASSIST_TEST_UNSET"}, "environment variable MAILASSIST_TEST_UNSET is unset or empty", false},
		{"env empty", configs.IMAP{PasswordEnv: "MAILASSIST_TEST_EMPTY"}, "environment variable MAILASSIST_TEST_EMPTY is unset or empty", false},
		{"file missing", configs.IMAP{PasswordFile: filepath.Join(dir, "missing")}, filepath.Join(dir, "missing"), false},
		{"file empty", configs.IMAP{PasswordFile: write("empty", "\n")}, "empty", false},
		{"file is a directory", configs.IMAP{PasswordFile: dir}, dir, false},
		{"none", configs.IMAP{}, "missing password reference", false},
		{"both", configs.IMAP{PasswordEnv: "MAILASSIST_TEST_PW", PasswordFile: write("both", secret)}, "set only one", false},
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
