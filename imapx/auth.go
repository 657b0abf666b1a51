package imapx

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// The SASL mechanisms of auth oauth2.
const (
	MechOAuthBearer = "OAUTHBEARER" // RFC 7628
	MechXOAuth2     = "XOAUTH2"     // Google's and Microsoft's predecessor of it
)

// ErrNoOAuthMechanism means the server offers neither OAUTHBEARER nor XOAUTH2.
var ErrNoOAuthMechanism = errors.New("server offers neither AUTH=OAUTHBEARER nor AUTH=XOAUTH2")

// credential reads what cfg logs in with, before connecting (a missing
// password or a token that needs a new login fails without a
// connection): the password, or an OAuth2 access token.
func credential(ctx context.Context, cfg Config) (string, error) {
	if cfg.Auth != AuthOAuth2 {
		return cfg.Password()
	}
	if cfg.Tokens == nil {
		return "", errors.New("auth oauth2 without a token source (the program did not set imap.Tokens)")
	}
	return cfg.Tokens.Token(ctx)
}

// login authenticates c as cfg says, with secret from credential: LOGIN
// with the password, or SASL with the OAuth2 access token.
func login(ctx context.Context, c *imapclient.Client, cfg Config, secret string) error {
	if cfg.Auth != AuthOAuth2 {
		return c.Login(cfg.Username, secret).Wait()
	}
	mech, err := OAuthMechanism(c.Caps())
	if err != nil {
		return err
	}
	// A token the server refuses may have been revoked before it expired:
	// tell the source and try once more with a fresh one.
	token := secret
	for attempt := 1; ; attempt++ {
		err = c.Authenticate(newOAuthClient(mech, cfg.Username, token, cfg.Host, cfg.Port))
		var imapErr *imap.Error
		if err == nil || !errors.As(err, &imapErr) || imapErr.Type != imap.StatusResponseTypeNo {
			return err
		}
		cfg.Tokens.Refused(token)
		if attempt == 2 {
			return fmt.Errorf("%s: the server refused a freshly refreshed token: %w", mech, err)
		}
		if token, err = cfg.Tokens.Token(ctx); err != nil {
			return err
		}
	}
}

// OAuthMechanism picks the SASL mechanism for an OAuth2 token from what
// the server advertises: OAUTHBEARER, the standard, else XOAUTH2.
// Capability names are case-insensitive.
func OAuthMechanism(caps imap.CapSet) (string, error) {
	for _, mech := range []string{MechOAuthBearer, MechXOAuth2} {
		for c := range caps {
			if strings.EqualFold(string(c), "AUTH="+mech) {
				return mech, nil
			}
		}
	}
	return "", ErrNoOAuthMechanism
}

func newOAuthClient(mech, username, token, host string, port int) sasl.Client {
	if mech == MechXOAuth2 {
		return &xoauth2Client{username: username, token: token}
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return &oauthBearerClient{Client: sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: username, Token: token, Host: host, Port: port})}
}

// oauthBearerClient is go-sasl's OAUTHBEARER client, answering the
// server's error challenge with the dummy response RFC 7628 section
// 3.2.3 asks for, so that the server ends the exchange with NO and the
// connection stays usable for another attempt. (go-sasl's client stops
// at the challenge and leaves the command hanging.)
type oauthBearerClient struct {
	sasl.Client
	answered bool
}

func (a *oauthBearerClient) Next(challenge []byte) ([]byte, error) {
	if a.answered {
		return nil, errors.New("OAUTHBEARER: unexpected second challenge")
	}
	a.answered = true
	return []byte{0x01}, nil
}

// xoauth2Client is the XOAUTH2 mechanism (Google's and Microsoft's
// documentation): one message with the user and the bearer token; an
// error comes as a JSON challenge, answered with an empty response,
// after which the server says NO.
type xoauth2Client struct {
	username, token string
	answered        bool
}

func (a *xoauth2Client) Start() (string, []byte, error) {
	return MechXOAuth2, []byte("user=" + a.username + "\x01auth=Bearer " + a.token + "\x01\x01"), nil
}

func (a *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	if a.answered {
		return nil, errors.New("XOAUTH2: unexpected second challenge")
	}
	a.answered = true
	return []byte{}, nil
}
