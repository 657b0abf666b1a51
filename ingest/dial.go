// Package ingest holds everything that talks IMAP: the per-mailbox watchers
// that publish new mail to the bus, and the applier that carries out
// actions (moves, drafts, flags) in the user's mailbox.
package ingest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"mime"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"

	"mailassist/configs"
)

const dialTimeout = 30 * time.Second

// Dial connects to the account's IMAP server with its TLS mode and logs
// in. Certificates are verified unless the account opts out; plaintext is
// allowed only to a loopback host. handler may be nil.
func Dial(ctx context.Context, acct *configs.Account, handler *imapclient.UnilateralDataHandler) (*imapclient.Client, error) {
	cfg := acct.IMAP
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	tlsConfig, err := tlsConfigFor(cfg)
	if err != nil {
		return nil, err
	}
	opts := &imapclient.Options{
		TLSConfig:             tlsConfig,
		UnilateralDataHandler: handler,
		WordDecoder:           &mime.WordDecoder{CharsetReader: charset.Reader},
		Dialer:                &net.Dialer{Timeout: dialTimeout},
	}
	password, err := cfg.Password()
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", acct.Name, err)
	}

	var c *imapclient.Client
	switch cfg.TLS {
	case "implicit", "":
		c, err = imapclient.DialTLS(addr, opts)
	case "starttls":
		c, err = imapclient.DialStartTLS(addr, opts)
	case "none":
		if !isLoopback(cfg.Host) {
			return nil, fmt.Errorf("account %s: plaintext IMAP to %s refused: only loopback hosts may use tls: none", acct.Name, cfg.Host)
		}
		c, err = imapclient.DialInsecure(addr, opts)
	default:
		return nil, fmt.Errorf("account %s: unknown tls mode %q", acct.Name, cfg.TLS)
	}
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", addr, err)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Login(cfg.Username, password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("login to %s as %s: %w", addr, cfg.Username, err)
	}
	return c, nil
}

func tlsConfigFor(cfg configs.IMAP) (*tls.Config, error) {
	tc := &tls.Config{ServerName: cfg.Host, InsecureSkipVerify: cfg.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
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

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
