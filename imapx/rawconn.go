package imapx

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/setting"
)

// rawConn opens the connection in cfg's TLS mode for a client that is
// wrapped (see wrapFunc): with STARTTLS it speaks the greeting and the
// STARTTLS command itself, and returns a greeting for the client to read
// after the handshake (without capabilities: the client asks anew, as
// it must after STARTTLS).
func rawConn(ctx context.Context, addr string, cfg Config, opts *imapclient.Options) (net.Conn, []byte, error) {
	d := opts.Dialer
	tlsConfig := opts.TLSConfig.Clone()
	switch cfg.TLS {
	case TLSImplicit, "":
		tlsConfig.NextProtos = []string{"imap"}
		conn, err := (&tls.Dialer{NetDialer: d, Config: tlsConfig}).DialContext(ctx, "tcp", addr)
		return conn, nil, err
	case TLSNone:
		if !setting.IsLoopback(cfg.Host) {
			return nil, nil, fmt.Errorf("plaintext IMAP to %s refused: only loopback hosts may use tls: none", cfg.Host)
		}
		conn, err := d.DialContext(ctx, "tcp", addr)
		return conn, nil, err
	case TLSStartTLS:
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, nil, err
		}
		tc, err := startTLS(ctx, conn, tlsConfig)
		if err != nil {
			conn.Close()
			return nil, nil, err
		}
		return tc, []byte("* OK TLS is up\r\n"), nil
	}
	return nil, nil, fmt.Errorf("unknown tls mode %q", cfg.TLS)
}

// startTLS reads the greeting, sends STARTTLS and does the handshake.
func startTLS(ctx context.Context, conn net.Conn, config *tls.Config) (net.Conn, error) {
	conn.SetDeadline(time.Now().Add(dialTimeout))
	br := bufio.NewReader(conn)
	greeting, err := br.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if !strings.HasPrefix(greeting, "* OK") {
		return nil, fmt.Errorf("greeting: %q", strings.TrimSpace(greeting))
	}
	if _, err := conn.Write([]byte("S1 STARTTLS\r\n")); err != nil {
		return nil, fmt.Errorf("starttls: %w", err)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("starttls: %w", err)
		}
		if strings.HasPrefix(line, "* ") {
			continue
		}
		if !strings.HasPrefix(strings.ToUpper(line), "S1 OK") {
			return nil, fmt.Errorf("starttls: %q", strings.TrimSpace(line))
		}
		break
	}
	if br.Buffered() > 0 {
		return nil, errors.New("starttls: the server sent data before the handshake")
	}
	conn.SetDeadline(time.Time{})
	tc := tls.Client(conn, config)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("tls handshake: %w", err)
	}
	return tc, nil
}
