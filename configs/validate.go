package configs

import (
	"errors"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// validate checks a decoded config with its defaults filled in. It
// reports every problem through ps and checks no secret: password files
// and variables are read at connect time (IMAP.Password).
func validate(c *Config, ps *problems) {
	oneOf(ps, "log.level", c.Log.Level, "debug", "info", "warn", "error")
	oneOf(ps, "log.format", c.Log.Format, "text", "json")
	validateNATS(&c.NATS, ps)
	validateStream(&c.Stream, ps)
	validateStages(&c.Stages, ps)
	if c.HTTP.Listen != "" {
		hostPort(ps, "http.listen", c.HTTP.Listen)
	}
	validateAccounts(c.Accounts, ps)
	validateSpam(&c.Spam, &c.LLM, ps)
	validateReply(&c.Reply, &c.LLM, ps)
	validateEscalate(&c.Escalate, &c.LLM, ps)
	validateEndpoint(ps, "llm.small", c.LLM.Small)
	validateEndpoint(ps, "llm.large", c.LLM.Large)
}

// validateNATS checks where the bus is. Listen is checked even when URL
// is set, so that a mistake does not wait for the day URL is removed.
func validateNATS(n *NATS, ps *problems) {
	if host, ok := hostPort(ps, "nats.listen", n.Listen); ok && !isLoopback(host) {
		ps.add("nats.listen", "%q is not a loopback address: the embedded server only listens on localhost, 127.0.0.0/8 or ::1", host)
	}
	if n.URL != "" {
		for i, u := range strings.Split(n.URL, ",") {
			natsURL(ps, i, strings.TrimSpace(u))
		}
	}
	existing(ps, "nats.creds_file", n.CredsFile)
	existing(ps, "nats.ca_file", n.CAFile)
	existing(ps, "nats.cert_file", n.CertFile)
	existing(ps, "nats.key_file", n.KeyFile)
	if n.CertFile != "" && n.KeyFile == "" {
		ps.add("nats.key_file", "required with cert_file")
	}
	if n.KeyFile != "" && n.CertFile == "" {
		ps.add("nats.cert_file", "required with key_file")
	}
}

// natsURL checks the i-th server of the comma-separated nats.url. It
// never prints credentials: they are refused, and left out of messages.
func natsURL(ps *problems, i int, s string) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		ps.add("nats.url", "server %d is not a URL such as nats://host:4222", i+1)
		return
	}
	if u.User != nil {
		ps.add("nats.url", "server %d has credentials in the URL: secrets go by reference: use creds_file", i+1)
		u.User = nil
	}
	switch u.Scheme {
	case "nats", "tls", "ws", "wss":
	default:
		ps.add("nats.url", "%s: scheme %q is not one of nats, tls, ws, wss", u, u.Scheme)
	}
}

func validateStream(s *Stream, ps *problems) {
	if s.InlineMax < KiB || s.InlineMax > 768*KiB {
		ps.add("stream.inline_max", "%s is not between 1KiB and 768KiB", s.InlineMax)
	}
	if s.MaxBytes < MiB {
		ps.add("stream.max_bytes", "%s is below the minimum of 1MiB", s.MaxBytes)
	}
	between(ps, "stream.replicas", s.Replicas, 1, 5)
	if s.DuplicateWindow > s.MaxAge {
		path := "stream.duplicate_window" // or max_age, if that is the one written
		if !ps.tree.has(path) {
			path = "stream.max_age"
		}
		ps.add(path, "duplicate_window (%s) is longer than max_age (%s)", s.DuplicateWindow, s.MaxAge)
	}
}

func validateStages(s *Stages, ps *problems) {
	between(ps, "stages.concurrency", s.Concurrency, 1, 256)
	between(ps, "stages.max_deliver", s.MaxDeliver, 2, 100)
	atLeast(ps, "stages.ack_wait", s.AckWait, time.Second)
}

// oneOf checks that v is one of the allowed values.
func oneOf(ps *problems, path, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	ps.add(path, "%q is not one of %s", v, strings.Join(allowed, ", "))
}

// between checks that lo <= v <= hi.
func between(ps *problems, path string, v, lo, hi int) {
	if v < lo || v > hi {
		ps.add(path, "%d is not between %d and %d", v, lo, hi)
	}
}

// atLeast checks that d >= lo.
func atLeast(ps *problems, path string, d Duration, lo time.Duration) {
	if d.D() < lo {
		ps.add(path, "%s is below the minimum of %s", d, Duration(lo))
	}
}

// positive checks that d > 0.
func positive(ps *problems, path string, d Duration) {
	if d <= 0 {
		ps.add(path, "%s is not positive", d)
	}
}

// hostPort checks that s is host:port with a port from 1 to 65535 and
// returns the host.
func hostPort(ps *problems, path, s string) (string, bool) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		ps.add(path, "%q is not host:port", s)
		return "", false
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		ps.add(path, "port %q is not a number from 1 to 65535", port)
		return "", false
	}
	return host, true
}

// isLoopback reports whether host is localhost, in 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// existing checks that the file at name, if set, exists and is a file.
func existing(ps *problems, path, name string) {
	if name == "" {
		return
	}
	fi, err := os.Stat(name)
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		ps.add(path, "%s: %v", name, pe.Err)
	case err != nil:
		ps.add(path, "%s: %v", name, err)
	case fi.IsDir():
		ps.add(path, "%s is a directory, not a file", name)
	}
}
