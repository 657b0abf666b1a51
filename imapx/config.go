package imapx

import (
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"

	"mailassist/setting"
)

// The values of Config.TLS.
const (
	TLSImplicit = "implicit" // TLS from the first byte (IMAPS, port 993)
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS
	TLSNone     = "none"     // plaintext: loopback hosts only
)

// Default ports.
const (
	ImplicitPort = 993 // IMAPS
	PlainPort    = 143 // IMAP, for starttls and none
)

// Config is how to reach and log in to one IMAP server: the imap section
// of an account. TLS "none" is allowed only to a loopback host. Exactly
// one of PasswordEnv and PasswordFile names the password, which Password
// reads at connect time.
type Config struct {
	Host string `yaml:"host"`
	// Port defaults to 993 with implicit TLS, 143 otherwise.
	Port int `yaml:"port"`
	// TLS is implicit, starttls or none; default implicit.
	TLS                string `yaml:"tls"`
	CAFile             string `yaml:"ca_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
	// Username defaults to the account's address.
	Username     string `yaml:"username"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
}

// WithDefaults returns c with its zero fields set to the defaults;
// username is the login to use when none is written.
func (c Config) WithDefaults(username string) Config {
	if c.TLS == "" {
		c.TLS = TLSImplicit
	}
	if c.Port == 0 {
		c.Port = PlainPort
		if c.TLS == TLSImplicit {
			c.Port = ImplicitPort
		}
	}
	if c.Username == "" {
		c.Username = username
	}
	return c
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate reports every problem of c (with its defaults filled in). It
// reads no secret.
func (c *Config) Validate(p setting.Problems) {
	validateHost(p, "host", c.Host)
	p.Between("port", c.Port, 1, 65535)
	p.OneOf("tls", c.TLS, TLSImplicit, TLSStartTLS, TLSNone)
	p.Existing("ca_file", c.CAFile)
	if c.TLS == TLSNone {
		c.validatePlaintext(p)
	}
	c.validatePasswordRef(p)
	if c.InsecureSkipVerify && c.TLS != TLSNone {
		p.Warn("insecure_skip_verify", "the server's certificate is not verified: anyone on the path can pose as %s and read the password; trust a private CA with ca_file instead", c.Host)
	}
	p.PrivateFile("password_file", c.PasswordFile, "the IMAP password")
}

// validateHost wants a bare host name or IP address.
func validateHost(p setting.Problems, field, host string) {
	if host == "" {
		p.Add(field, "required")
		return
	}
	if _, _, err := net.SplitHostPort(host); err == nil || strings.Contains(host, "/") {
		p.Add(field, "%q is not a bare host name: give the port as imap.port, and no scheme", host)
	}
}

// validatePlaintext allows tls: none only where the password cannot
// leave the machine, and refuses TLS settings that would be ignored.
func (c *Config) validatePlaintext(p setting.Problems) {
	if c.Host != "" && !setting.IsLoopback(c.Host) {
		p.Add("tls", "none sends the password in plaintext, which is only allowed to a loopback host (localhost, 127.0.0.0/8, ::1), not %q", c.Host)
	}
	if c.InsecureSkipVerify {
		p.Add("insecure_skip_verify", "is pointless with tls: none: there is no certificate to verify")
	}
	if c.CAFile != "" {
		p.Add("ca_file", "is pointless with tls: none: there is no certificate to verify")
	}
}

// validatePasswordRef wants exactly one reference to the password. It
// does not read it, nor print the variable's name should it look like
// a password pasted in by mistake.
func (c *Config) validatePasswordRef(p setting.Problems) {
	switch {
	case c.PasswordEnv == "" && c.PasswordFile == "":
		p.Add("", "missing password reference: set password_env or password_file")
	case c.PasswordEnv != "" && c.PasswordFile != "":
		p.Add("", "set only one of password_env and password_file")
	}
	if c.PasswordEnv != "" && !envNameRE.MatchString(c.PasswordEnv) {
		p.Add("password_env", "is not an environment variable name (letters, digits and _, without $)")
	}
}

// Password resolves the password reference at connect time, so that a
// rotated secret is picked up on the next login: the value of the
// environment variable PasswordEnv, or the content of PasswordFile
// without its trailing newline.
//
// It fails when the variable is unset or empty, or the file cannot be
// read or is empty. Errors name the variable or the file, never the
// password.
func (c Config) Password() (string, error) {
	switch {
	case c.PasswordEnv != "" && c.PasswordFile != "":
		return "", errors.New("imap password: set only one of password_env and password_file")
	case c.PasswordEnv != "":
		return passwordFromEnv(c.PasswordEnv)
	case c.PasswordFile != "":
		return passwordFromFile(c.PasswordFile)
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
