package bus

import (
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Embedded is an in-process nats-server with JetStream.
type Embedded struct {
	srv *server.Server
	// Creds is the one user the server accepts.
	Creds *Credentials
}

// StartEmbedded starts nats-server with JetStream storing under dir,
// listening for clients on listen (host:port, port -1 or 0 for any free
// port). Role processes and `mailassist status` reach it at ClientURL.
//
// The server requires authentication: it accepts only the user nkey kept
// in dir (CreateCredentials: generated on the first start, mode 0600),
// and writes the nats CLI context for it (ContextFileName). A client
// without the seed is refused.
func StartEmbedded(dir, listen string, log *slog.Logger) (*Embedded, error) {
	creds, err := CreateCredentials(dir)
	if err != nil {
		return nil, err
	}
	host, portStr, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("embedded nats listen %q: %w", listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("embedded nats listen %q: bad port", listen)
	}
	if port == 0 {
		port = -1
	}
	opts := &server.Options{
		ServerName: "mailassist-embedded",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   filepath.Join(dir, "nats"),
		MaxPayload: 8 << 20,
		NoSigs:     true,
		Nkeys:      []*server.NkeyUser{{Nkey: creds.Public}},
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	srv.SetLoggerV2(slogAdapter{log.With("component", "nats")}, false, false, false)
	go srv.Start()
	if !srv.ReadyForConnections(15 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded nats on %s did not become ready (is the port in use, or the store %s locked by another mailassist?)", listen, opts.StoreDir)
	}
	e := &Embedded{srv: srv, Creds: creds}
	if err := creds.WriteContext(e.ClientURL()); err != nil {
		e.Shutdown()
		return nil, err
	}
	return e, nil
}

// ConnectOptions returns how a client reaches the server as its user.
func (e *Embedded) ConnectOptions(name string) ConnectOptions {
	return ConnectOptions{URL: e.ClientURL(), NkeyFile: e.Creds.SeedFile, Name: name}
}

// ClientURL is the nats:// URL clients connect to.
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// Shutdown stops the server and waits until it is down.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

// slogAdapter passes nats-server's warnings and errors to slog.
type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Noticef(format string, v ...any) { a.log.Debug(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Warnf(format string, v ...any)   { a.log.Warn(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Fatalf(format string, v ...any)  { a.log.Error(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Errorf(format string, v ...any)  { a.log.Error(fmt.Sprintf(format, v...)) }
func (a slogAdapter) Debugf(format string, v ...any)  {}
func (a slogAdapter) Tracef(format string, v ...any)  {}
