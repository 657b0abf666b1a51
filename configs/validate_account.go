package configs

import (
	"fmt"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// The values of IMAP.TLS.
const (
	tlsImplicit = "implicit" // TLS from the first byte (IMAPS, port 993)
	tlsStartTLS = "starttls" // plain connection upgraded with STARTTLS
	tlsNone     = "none"     // plaintext: loopback hosts only
)

// maxIdleRefresh keeps IDLE below the 30 minutes after which servers may
// log an idle client out (RFC 9051, section 5.4).
const maxIdleRefresh = 29 * time.Minute

var (
	accountNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	envNameRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// validateAccounts checks every account. No account at all is valid: the
// bus and the demo run without one.
func validateAccounts(accounts []Account, ps *problems) {
	first := map[string]int{} // account name to the index that has it first
	for i := range accounts {
		a := &accounts[i]
		p := fmt.Sprintf("accounts[%d]", i)
		validateAccountName(ps, p+".name", a.Name)
		if j, dup := first[a.Name]; dup && a.Name != "" {
			ps.add(p+".name", "%q is already the name of accounts[%d]", a.Name, j)
		} else {
			first[a.Name] = i
		}
		validateAddress(ps, p+".address", a.Address)
		if strings.ContainsFunc(a.DisplayName, unicode.IsControl) || len(a.DisplayName) > 200 {
			ps.add(p+".display_name", "must be one line of at most 200 characters without control characters")
		}
		for j, alias := range a.Aliases {
			if alias == "" {
				ps.add(fmt.Sprintf("%s.aliases[%d]", p, j), "empty address")
			} else {
				validateAddress(ps, fmt.Sprintf("%s.aliases[%d]", p, j), alias)
			}
		}
		validateIMAP(ps, p+".imap", &a.IMAP)
		validateWatch(ps, p+".folders.watch", a.Folders.Watch)
		positive(ps, p+".initial_sync", a.InitialSync)
		positive(ps, p+".idle_refresh", a.IdleRefresh)
		if a.IdleRefresh.D() >= maxIdleRefresh {
			ps.add(p+".idle_refresh", "%s is not below 29m: servers may log out a client idle for 30 minutes", a.IdleRefresh)
		}
		atLeast(ps, p+".poll_interval", a.PollInterval, time.Second)
	}
}

func validateAccountName(ps *problems, path, name string) {
	switch {
	case name == "":
		ps.add(path, "required")
	case !accountNameRE.MatchString(name):
		ps.add(path, "%q is not 1 to 64 letters, digits, _ or -", name)
	}
}

// validateAddress wants a bare address such as user@example.com, which
// is also the default IMAP username.
func validateAddress(ps *problems, path, addr string) {
	if addr == "" {
		ps.add(path, "required")
		return
	}
	a, err := mail.ParseAddress(addr)
	switch {
	case err != nil:
		ps.add(path, "%q is not an e-mail address", addr)
	case a.Address != addr:
		ps.add(path, "%q is not a bare address: write %s", addr, a.Address)
	}
}

func validateIMAP(ps *problems, p string, m *IMAP) {
	validateIMAPHost(ps, p+".host", m.Host)
	between(ps, p+".port", m.Port, 1, 65535)
	oneOf(ps, p+".tls", m.TLS, tlsImplicit, tlsStartTLS, tlsNone)
	existing(ps, p+".ca_file", m.CAFile)
	if m.TLS == tlsNone {
		validatePlaintext(ps, p, m)
	}
	validatePasswordRef(ps, p, m)
}

// validateIMAPHost wants a bare host name or IP address.
func validateIMAPHost(ps *problems, path, host string) {
	if host == "" {
		ps.add(path, "required")
		return
	}
	if _, _, err := net.SplitHostPort(host); err == nil || strings.Contains(host, "/") {
		ps.add(path, "%q is not a bare host name: give the port as imap.port, and no scheme", host)
	}
}

// validatePlaintext allows tls: none only where the password cannot
// leave the machine, and refuses TLS settings that would be ignored.
func validatePlaintext(ps *problems, p string, m *IMAP) {
	if m.Host != "" && !isLoopback(m.Host) {
		ps.add(p+".tls", "none sends the password in plaintext, which is only allowed to a loopback host (localhost, 127.0.0.0/8, ::1), not %q", m.Host)
	}
	if m.InsecureSkipVerify {
		ps.add(p+".insecure_skip_verify", "is pointless with tls: none: there is no certificate to verify")
	}
	if m.CAFile != "" {
		ps.add(p+".ca_file", "is pointless with tls: none: there is no certificate to verify")
	}
}

// validatePasswordRef wants exactly one reference to the password. It
// does not read it, nor print the variable's name should it look like
// a password pasted in by mistake.
func validatePasswordRef(ps *problems, p string, m *IMAP) {
	switch {
	case m.PasswordEnv == "" && m.PasswordFile == "":
		ps.add(p, "missing password reference: set password_env or password_file")
	case m.PasswordEnv != "" && m.PasswordFile != "":
		ps.add(p, "set only one of password_env and password_file")
	}
	if m.PasswordEnv != "" && !envNameRE.MatchString(m.PasswordEnv) {
		ps.add(p+".password_env", "is not an environment variable name (letters, digits and _, without $)")
	}
}

// validateWatch wants folder names that are set and distinct (INBOX
// in any case is one folder, RFC 9051 section 5.1).
func validateWatch(ps *problems, path string, folders []string) {
	seen := map[string]bool{}
	for i, f := range folders {
		key := f
		if strings.EqualFold(f, "INBOX") { // the one case-insensitive name
			key = "INBOX"
		}
		switch {
		case strings.TrimSpace(f) == "":
			ps.add(fmt.Sprintf("%s[%d]", path, i), "empty folder name")
		case seen[key]:
			ps.add(fmt.Sprintf("%s[%d]", path, i), "%q is listed twice", f)
		}
		seen[key] = true
	}
}
