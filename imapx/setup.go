package imapx

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"

	"github.com/emersion/go-imap/v2"
)

// SetupError is a problem that no retry can fix, only a person: a
// password reference that cannot be read, a certificate that fails
// verification, the wrong TLS mode for the port, a refused login, a
// watched folder that does not exist. Fix says what to change.
type SetupError struct {
	Problem string // what is wrong, e.g. "the server's certificate is not trusted"
	Fix     string // what to change, naming the config key
	Err     error
}

func (e *SetupError) Error() string {
	return e.Problem + ": " + e.Fix + " (" + e.Err.Error() + ")"
}

func (e *SetupError) Unwrap() error { return e.Err }

// NeedsPerson returns the SetupError in err's chain, if any.
func NeedsPerson(err error) (*SetupError, bool) {
	var se *SetupError
	ok := errors.As(err, &se)
	return se, ok
}

// setupError wraps err with a problem and its fix.
func setupError(err error, problem, fix string, args ...any) error {
	return &SetupError{Problem: problem, Fix: fmt.Sprintf(fix, args...), Err: err}
}

// explainConnect says what a failed connect or TLS handshake needs from a
// person, when it is not simply a server that is down: an untrusted or
// wrong certificate, or TLS spoken to a port that does not (or the other
// way round). Other errors are returned as they are.
func explainConnect(err error, cfg Config) error {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
		verify   *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &hostname):
		return setupError(err, "the server's certificate is not for "+cfg.Host,
			"set imap.host to a name the certificate holds (%s)", hostname.Certificate.DNSNames)
	case errors.As(err, &unknown), errors.As(err, &verify) && !errors.As(err, &invalid):
		fix := "set imap.ca_file to the certificate of the CA that signed it"
		if cfg.CAFile != "" {
			fix = "imap.ca_file (" + cfg.CAFile + ") does not hold the CA that signed it: point it at the right one"
		}
		return setupError(err, "the server's certificate is not trusted", "%s", fix)
	case errors.As(err, &invalid):
		return setupError(err, "the server's certificate is not valid (expired, or not for a server)",
			"renew the server's certificate, or ask its operator")
	case errors.As(err, &record):
		if cfg.TLS == TLSImplicit || cfg.TLS == "" {
			return setupError(err, fmt.Sprintf("the server does not speak TLS on port %d", cfg.Port),
				"for STARTTLS set imap.tls: starttls (usually port 143), or set imap.port to the implicit-TLS port (usually 993)")
		}
		return setupError(err, fmt.Sprintf("the server's answer on port %d is not TLS", cfg.Port),
			"set imap.port to the server's STARTTLS port (usually 143), or use imap.tls: implicit on 993")
	case cfg.TLS == TLSStartTLS && cfg.Port == ImplicitPort && errors.Is(err, io.ErrUnexpectedEOF):
		return setupError(err, fmt.Sprintf("port %d waits for TLS, not a plain greeting", cfg.Port),
			"use imap.tls: implicit on port %d, or set imap.port to the STARTTLS port (usually 143)", cfg.Port)
	}
	return err
}

// explainLogin says what a refused login needs: the server said NO.
func explainLogin(err error, cfg Config) error {
	var imapErr *imap.Error
	if !errors.As(err, &imapErr) || imapErr.Type != imap.StatusResponseTypeNo {
		return err
	}
	if imapErr.Code == imap.ResponseCodeUnavailable {
		return err // the server is busy or down for maintenance: an outage
	}
	if cfg.Auth == AuthOAuth2 {
		return setupError(err, "the server refused the OAuth2 token for "+cfg.Username,
			"check imap.username, and the app's IMAP permission at the provider; then run mailassist account login")
	}
	return setupError(err, "the server refused the login of "+cfg.Username,
		"check imap.username and the password that password_env or password_file names")
}

// explainFolder says what a SELECT or EXAMINE of a folder that does not
// exist needs.
func explainFolder(err error, name, key string) error {
	var imapErr *imap.Error
	if !errors.As(err, &imapErr) || imapErr.Type != imap.StatusResponseTypeNo {
		return err
	}
	return setupError(err, fmt.Sprintf("folder %q cannot be opened", name),
		"check its name in %s (mailassist config check --connect lists the account's folders)", key)
}

// ExplainFolder is explainFolder for the callers that open folders: err is
// what SELECT of name answered, key the config key that names it.
func ExplainFolder(err error, name, key string) error { return explainFolder(err, name, key) }
