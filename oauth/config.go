// Package oauth gives IMAP accounts OAuth 2.0 access tokens: the token
// endpoint's settings, the device authorization grant (RFC 8628) that
// `mailassist account login` runs, and the tokens, kept in the bus's KV
// and refreshed before they expire by one replica at a time.
package oauth

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"mailassist/setting"
)

// Config is the oauth2 section of an account's imap settings: the
// provider's endpoints and the application (client) registered there.
// A public client (what the device grant is for) has no secret; a
// confidential one names its secret by reference.
type Config struct {
	// ClientID is the application's ID at the provider. Required.
	ClientID string `yaml:"client_id"`
	// ClientSecretEnv or ClientSecretFile names the client secret, if the
	// provider issued one. Read when a token is fetched.
	ClientSecretEnv  string `yaml:"client_secret_env"`
	ClientSecretFile string `yaml:"client_secret_file"`
	// TokenURL is the token endpoint (refresh and device grants). Required.
	TokenURL string `yaml:"token_url"`
	// DeviceAuthorizationURL is the device authorization endpoint of
	// RFC 8628, for `mailassist account login`. Required.
	DeviceAuthorizationURL string `yaml:"device_authorization_url"`
	// Scopes to ask for, e.g. [https://outlook.office.com/IMAP.AccessAsUser.All, offline_access].
	Scopes []string `yaml:"scopes"`
}

// Validate reports every problem of c. It reads no secret.
func (c *Config) Validate(p setting.Problems) {
	if strings.TrimSpace(c.ClientID) == "" {
		p.Add("client_id", "required: the application's client ID at the provider")
	}
	if c.ClientSecretEnv != "" && c.ClientSecretFile != "" {
		p.Add("", "set only one of client_secret_env and client_secret_file")
	}
	p.EnvName("client_secret_env", c.ClientSecretEnv)
	p.Existing("client_secret_file", c.ClientSecretFile)
	endpointURL(p, "token_url", c.TokenURL)
	endpointURL(p, "device_authorization_url", c.DeviceAuthorizationURL)
	for i, s := range c.Scopes {
		if strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t\r\n") {
			p.Add(fmt.Sprintf("scopes[%d]", i), "%q is not a scope (one word, not empty)", s)
		}
	}
}

// endpointURL wants an https URL, or http to a loopback host: the token
// endpoint sees the refresh token and the client secret.
func endpointURL(p setting.Problems, field, s string) {
	if s == "" {
		p.Add(field, "required")
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || u.Scheme == "":
		p.Add(field, "%q is not a URL such as https://login.example.com/oauth2/token", s)
	case u.User != nil:
		p.Add(field, "has credentials in the URL: secrets go by reference: use client_secret_env or client_secret_file")
	case u.Scheme == "https":
	case u.Scheme == "http" && setting.IsLoopback(u.Hostname()):
	case u.Scheme == "http":
		p.Add(field, "http sends tokens in plaintext, which is only allowed to a loopback host (localhost, 127.0.0.0/8, ::1), not %q", u.Hostname())
	default:
		p.Add(field, "scheme %q is not https", u.Scheme)
	}
}

// httpTimeout bounds one request to the provider.
const httpTimeout = 30 * time.Second

// oauth2Config builds the x/oauth2 configuration, reading the client
// secret if there is one.
func (c *Config) oauth2Config() (*oauth2.Config, error) {
	oc := &oauth2.Config{
		ClientID: c.ClientID,
		Endpoint: oauth2.Endpoint{TokenURL: c.TokenURL, DeviceAuthURL: c.DeviceAuthorizationURL, AuthStyle: oauth2.AuthStyleInParams},
		Scopes:   c.Scopes,
	}
	if c.ClientSecretEnv != "" || c.ClientSecretFile != "" {
		secret, err := setting.ReadSecret("oauth2 client secret", c.ClientSecretEnv, c.ClientSecretFile)
		if err != nil {
			return nil, err
		}
		oc.ClientSecret = secret
		oc.Endpoint.AuthStyle = oauth2.AuthStyleInHeader // RFC 6749 section 2.3.1: servers must support Basic
	}
	return oc, nil
}

// withClient makes x/oauth2 use a client with a timeout.
func withClient(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Timeout: httpTimeout})
}
