package imapx

import (
	"context"
	"errors"
	"net"
	"strings"

	"mailassist/oauth"
	"mailassist/setting"
)

// The values of Config.TLS.
const (
	TLSImplicit = "implicit" // TLS from the first byte (IMAPS, port 993)
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS
	TLSNone     = "none"     // plaintext: loopback hosts only
)

// The values of Config.Auth.
const (
	AuthPassword = "password" // LOGIN with the password named by password_env or password_file
	AuthOAuth2   = "oauth2"   // SASL OAUTHBEARER or XOAUTH2 with a token from the oauth2 section
)

// Default ports.
const (
	ImplicitPort = 993 // IMAPS
	PlainPort    = 143 // IMAP, for starttls and none
)

// Config is how to reach and log in to one IMAP server: the imap section
// of an account. TLS "none" is allowed only to a loopback host. With
// auth password, exactly one of PasswordEnv and PasswordFile names the
// password, which Password reads at connect time; with auth oauth2,
// OAuth2 says where tokens come from and Tokens hands them out.
type Config struct {
	Host string `yaml:"host"`
	// Port defaults to 993 with implicit TLS, 143 otherwise.
	Port int `yaml:"port"`
	// TLS is implicit, starttls or none; default implicit.
	TLS                string `yaml:"tls"`
	CAFile             string `yaml:"ca_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
	// Username defaults to the account's address.
	Username string `yaml:"username"`
	// Auth is password or oauth2; default password.
	Auth         string `yaml:"auth"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
	// OAuth2 is the provider and application that issue the tokens of
	// auth oauth2 (`mailassist account login` fetches the first).
	OAuth2 *oauth.Config `yaml:"oauth2,omitempty"`

	// MaxConnections caps this account's simultaneous connections to the
	// server (some providers refuse more: Gmail 15); 0 means no cap.
	MaxConnections int `yaml:"max_connections"`

	// Limiter paces logins and caps connections per host, for every
	// account that shares it; set by the program (from the top-level imap
	// section), nil for none.
	Limiter *Limiter `yaml:"-"`

	// Tokens gives the access tokens for auth oauth2. The program sets it
	// after loading the file (from the oauth2 section and the bus).
	Tokens TokenSource `yaml:"-"`
}

// TokenSource gives the OAuth2 access token to log in with.
type TokenSource interface {
	// Token returns a token that is valid for a while yet.
	Token(ctx context.Context) (string, error)
	// Refused says the server refused token: the next Token must be a
	// fresh one.
	Refused(token string)
}

// WithDefaults returns c with its zero fields set to the defaults;
// username is the login to use when none is written.
func (c Config) WithDefaults(username string) Config {
	if c.TLS == "" {
		c.TLS = TLSImplicit
	}
	if c.Auth == "" {
		c.Auth = AuthPassword
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
	if c.MaxConnections < 0 {
		p.Add("max_connections", "%d is negative (0: no cap)", c.MaxConnections)
	}
	p.OneOf("auth", c.Auth, AuthPassword, AuthOAuth2)
	switch c.Auth {
	case AuthPassword:
		c.validatePasswordRef(p)
		p.PrivateFile("password_file", c.PasswordFile, "the IMAP password")
		if c.OAuth2 != nil {
			p.Add("oauth2", "is only used with auth: oauth2")
		}
	case AuthOAuth2:
		for f, v := range map[string]string{"password_env": c.PasswordEnv, "password_file": c.PasswordFile} {
			if v != "" {
				p.Add(f, "is not used with auth: oauth2, which logs in with a token (see oauth2)")
			}
		}
		if c.OAuth2 == nil {
			p.Add("oauth2", "required with auth: oauth2: the provider's client_id, token_url and device_authorization_url")
		} else {
			c.OAuth2.Validate(p.In("oauth2"))
		}
	}
	if c.InsecureSkipVerify && c.TLS != TLSNone {
		p.Warn("insecure_skip_verify", "the server's certificate is not verified: anyone on the path can pose as %s and read the %s; trust a private CA with ca_file instead", c.Host, c.secretName())
	}
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
		p.Add("tls", "none sends the %s in plaintext, which is only allowed to a loopback host (localhost, 127.0.0.0/8, ::1), not %q", c.secretName(), c.Host)
	}
	if c.InsecureSkipVerify {
		p.Add("insecure_skip_verify", "is pointless with tls: none: there is no certificate to verify")
	}
	if c.CAFile != "" {
		p.Add("ca_file", "is pointless with tls: none: there is no certificate to verify")
	}
}

// secretName is what a login of c sends: the password or a token.
func (c *Config) secretName() string {
	if c.Auth == AuthOAuth2 {
		return "access token"
	}
	return "password"
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
	p.EnvName("password_env", c.PasswordEnv)
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
	case c.PasswordEnv == "" && c.PasswordFile == "":
		return "", errors.New("imap password: missing password reference: set password_env or password_file")
	}
	return setting.ReadSecret("imap password", c.PasswordEnv, c.PasswordFile)
}
