// Package imapx is the IMAP toolbox that ingest, apply and escalate share:
// dialling with verified TLS and login, finding folders by SPECIAL-USE,
// and fetching header fields without marking anything read.
package imapx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"mime"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"

	"mailassist/setting"
)

const dialTimeout = 30 * time.Second

// Dependency names an account's IMAP server in the outage tracker
// ("imap <account>"): every connection of the account reports to it.
func Dependency(account string) string { return "imap " + account }

// Dial connects to the server with cfg's TLS mode and logs in (LOGIN
// with the password, or SASL OAUTHBEARER or XOAUTH2 with an OAuth2
// token, whichever the server offers).
// Certificates are verified unless cfg opts out; plaintext is allowed only
// to a loopback host. handler may be nil. When ctx ends during the login,
// the connection is closed.
func Dial(ctx context.Context, cfg Config, handler *imapclient.UnilateralDataHandler) (*imapclient.Client, error) {
	return dial(ctx, cfg, handler, nil)
}

// wrapFunc puts a layer between the connection (after TLS) and the
// client; prelude is what the client must read first (a greeting the
// dialer already consumed).
type wrapFunc func(conn net.Conn, prelude []byte) net.Conn

func dial(ctx context.Context, cfg Config, handler *imapclient.UnilateralDataHandler, wrap wrapFunc) (*imapclient.Client, error) {
	host := strings.TrimSuffix(strings.TrimPrefix(cfg.Host, "["), "]") // "[::1]" and "::1" alike
	addr := net.JoinHostPort(host, strconv.Itoa(cfg.Port))
	tlsConfig, err := tlsConfigFor(cfg)
	if err != nil {
		return nil, setupError(err, "imap.ca_file cannot be used", "point imap.ca_file at a readable PEM file of the CA")
	}
	secret, err := credential(ctx, cfg)
	if err != nil {
		if cfg.Auth != AuthOAuth2 {
			err = setupError(err, "the password cannot be read", "set the variable or file that imap.password_env or imap.password_file names")
		}
		return nil, err
	}
	opts := &imapclient.Options{
		TLSConfig:             tlsConfig,
		UnilateralDataHandler: handler,
		WordDecoder:           &mime.WordDecoder{CharsetReader: charset.Reader},
		Dialer:                &net.Dialer{Timeout: dialTimeout},
	}
	release, err := limit(ctx, cfg, addr)
	if err != nil {
		return nil, err
	}
	c, err := connect(ctx, addr, cfg, opts, wrap, release)
	if err != nil {
		release()
		return nil, explainConnect(err, cfg)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := login(ctx, c, cfg, secret); err != nil {
		c.Close()
		return nil, fmt.Errorf("login to %s as %s: %w", addr, cfg.Username, explainLogin(err, cfg))
	}
	return c, nil
}

// connect opens the connection in cfg's TLS mode. The connection holds
// its slots (release) until it is closed, by the client or by its end.
func connect(ctx context.Context, addr string, cfg Config, opts *imapclient.Options, wrap wrapFunc, release func()) (*imapclient.Client, error) {
	if cfg.TLS == TLSNone && !setting.IsLoopback(cfg.Host) {
		return nil, fmt.Errorf("plaintext IMAP to %s refused: only loopback hosts may use tls: none", cfg.Host)
	}
	conn, prelude, err := rawConn(ctx, addr, cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", addr, err)
	}
	held := &heldConn{Conn: conn, release: release}
	if wrap != nil {
		return imapclient.New(wrap(held, prelude), opts), nil
	}
	held.prelude = prelude
	return imapclient.New(held, opts), nil
}

func tlsConfigFor(cfg Config) (*tls.Config, error) {
	tc := &tls.Config{ServerName: strings.TrimSuffix(strings.TrimPrefix(cfg.Host, "["), "]"), InsecureSkipVerify: cfg.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	if cfg.CAFile == "" {
		return tc, nil
	}
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("read imap ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("imap ca_file %s: no PEM certificates found", cfg.CAFile)
	}
	tc.RootCAs = pool
	return tc, nil
}
