package setting

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// OneOf checks that v is one of the allowed values.
func (p Problems) OneOf(field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	p.Add(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
}

// Between checks that lo <= v <= hi.
func (p Problems) Between(field string, v, lo, hi int) {
	if v < lo || v > hi {
		p.Add(field, "%d is not between %d and %d", v, lo, hi)
	}
}

// AtLeast checks that d >= lo.
func (p Problems) AtLeast(field string, d Duration, lo time.Duration) {
	if d.D() < lo {
		p.Add(field, "%s is below the minimum of %s", d, Duration(lo))
	}
}

// Positive checks that d > 0.
func (p Problems) Positive(field string, d Duration) {
	if d <= 0 {
		p.Add(field, "%s is not positive", d)
	}
}

// HostPort checks that s is host:port with a port from 1 to 65535 and
// returns the host.
func (p Problems) HostPort(field, s string) (string, bool) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		p.Add(field, "%q is not host:port", s)
		return "", false
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		p.Add(field, "port %q is not a number from 1 to 65535", port)
		return "", false
	}
	return host, true
}

// Existing checks that the file called name, if set, exists and is a file.
func (p Problems) Existing(field, name string) {
	if name == "" {
		return
	}
	fi, err := os.Stat(name)
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		p.Add(field, "%s: %v", name, pe.Err)
	case err != nil:
		p.Add(field, "%s: %v", name, err)
	case fi.IsDir():
		p.Add(field, "%s is a directory, not a file", name)
	}
}

// IsLoopback reports whether host (a name or an IP address, in brackets or
// not) is localhost, in 127.0.0.0/8 or ::1: the hosts to which plaintext
// is allowed. Configuration checks and dialers ask this one function.
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// PrivateFile warns when the file called name, if it exists, can be read
// or changed by its group or by others. what says what it holds.
func (p Problems) PrivateFile(field, name, what string) {
	if name == "" {
		return
	}
	fi, err := os.Stat(name)
	if err != nil || fi.IsDir() {
		return // whether it exists is checked elsewhere, or at use
	}
	if mode := fi.Mode().Perm(); mode&0o077 != 0 {
		p.Warn(field, "%s holds %s and other users can read or change it (mode %04o): chmod 600 %s", name, what, mode, name)
	}
}
