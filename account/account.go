// Package account describes one mailbox owner as the stages see it: who
// the user is (addresses, name), how to reach their IMAP server, and which
// folders are watched, junk, drafts, sent and archive.
package account

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"mailassist/imapx"
	"mailassist/setting"
)

// Account is one IMAP mailbox owner: an entry of the config's accounts
// list. Zero fields mean the defaults (see WithDefaults).
type Account struct {
	// Name identifies the account in subjects and keys: [A-Za-z0-9_-]+, unique.
	Name    string `yaml:"name"`
	Address string `yaml:"address"` // the user's own e-mail address
	// DisplayName is the user's name, for the From of drafts and to notice
	// mail that greets the user by name.
	DisplayName string `yaml:"display_name"`
	// Aliases are more of the user's own addresses (never replied to).
	Aliases []string `yaml:"aliases"`
	// Provider fills in the imap and folders settings of a known provider
	// (gmail, microsoft, fastmail, yahoo, icloud) and turns on what the
	// code does differently for it; keys written in the file win.
	Provider string       `yaml:"provider"`
	IMAP     imapx.Config `yaml:"imap"`
	Folders  Folders      `yaml:"folders"`
	// InitialSync is how far back the first start looks. Default 168h (7 days).
	InitialSync setting.Duration `yaml:"initial_sync"`
	// IdleRefresh is how often a watcher ends and restarts IDLE (and
	// proves the connection live). Default 10m, must be below 29m.
	IdleRefresh setting.Duration `yaml:"idle_refresh"`
	// PollInterval is used when the server lacks IDLE. Default 1m.
	PollInterval setting.Duration `yaml:"poll_interval"`
}

// Folders names the mailboxes. Empty Junk/Drafts are discovered by
// SPECIAL-USE, then by common names.
type Folders struct {
	Watch  []string `yaml:"watch"` // default [INBOX]
	Junk   string   `yaml:"junk"`
	Drafts string   `yaml:"drafts"`
	// Sent is searched for earlier messages of a thread (discovered when
	// empty); Archive too, when set.
	Sent    string `yaml:"sent"`
	Archive string `yaml:"archive"`
	// IgnoreSent stops ingest from following the Sent folder. By default
	// every message that appears there is published on mail.sent, from
	// which mailassist learns what the user answers and which drafts
	// they sent.
	IgnoreSent bool `yaml:"ignore_sent"`
}

// FollowsSent reports whether ingest follows the Sent folder: unless
// told not to, or the folder is already watched as mail.
func (f Folders) FollowsSent() bool {
	return !f.IgnoreSent && (f.Sent == "" || !slices.Contains(f.Watch, f.Sent))
}

// Defaults of an account.
const (
	DefaultWatch        = "INBOX"
	DefaultInitialSync  = setting.Duration(168 * time.Hour) // 7 days
	DefaultIdleRefresh  = setting.Duration(10 * time.Minute)
	DefaultPollInterval = setting.Duration(time.Minute)
)

// MaxIdleRefresh keeps IDLE below the 30 minutes after which servers may
// log an idle client out (RFC 9051, section 5.4).
const MaxIdleRefresh = 29 * time.Minute

// WithDefaults returns a with its zero fields set to the defaults.
func (a Account) WithDefaults() Account {
	a.applyPreset()
	a.IMAP = a.IMAP.WithDefaults(a.Address)
	if len(a.Folders.Watch) == 0 {
		a.Folders.Watch = []string{DefaultWatch}
	}
	setDefault(&a.InitialSync, DefaultInitialSync)
	setDefault(&a.IdleRefresh, DefaultIdleRefresh)
	setDefault(&a.PollInterval, DefaultPollInterval)
	return a
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Own returns the user's own addresses: Address, then Aliases.
func (a *Account) Own() []string { return append([]string{a.Address}, a.Aliases...) }

// Domain is the domain of the user's address.
func (a *Account) Domain() string {
	_, domain, _ := strings.Cut(a.Address, "@")
	return domain
}

// Find returns the account called name, pointing into accounts, or nil.
func Find(accounts []Account, name string) *Account {
	for i := range accounts {
		if accounts[i].Name == name {
			return &accounts[i]
		}
	}
	return nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Validate reports every problem of a (with its defaults filled in).
// That names are unique across accounts is the caller's to check.
func (a *Account) Validate(p setting.Problems) {
	switch {
	case a.Name == "":
		p.Add("name", "required")
	case !nameRE.MatchString(a.Name):
		p.Add("name", "%q is not 1 to 64 letters, digits, _ or -", a.Name)
	}
	validateAddress(p, "address", a.Address)
	if strings.ContainsFunc(a.DisplayName, unicode.IsControl) || len(a.DisplayName) > 200 {
		p.Add("display_name", "must be one line of at most 200 characters without control characters")
	}
	for j, alias := range a.Aliases {
		field := fmt.Sprintf("aliases[%d]", j)
		if alias == "" {
			p.Add(field, "empty address")
		} else {
			validateAddress(p, field, alias)
		}
	}
	validateProvider(p, a.Provider)
	a.IMAP.Validate(p.In("imap"))
	validateWatch(p.In("folders.watch"), a.Folders.Watch)
	p.Positive("initial_sync", a.InitialSync)
	p.Positive("idle_refresh", a.IdleRefresh)
	if a.IdleRefresh.D() >= MaxIdleRefresh {
		p.Add("idle_refresh", "%s is not below 29m: servers may log out a client idle for 30 minutes", a.IdleRefresh)
	}
	p.AtLeast("poll_interval", a.PollInterval, time.Second)
}

// validateAddress wants a bare address such as user@example.com, which
// is also the default IMAP username.
func validateAddress(p setting.Problems, field, addr string) {
	if addr == "" {
		p.Add(field, "required")
		return
	}
	a, err := mail.ParseAddress(addr)
	switch {
	case err != nil:
		p.Add(field, "%q is not an e-mail address", addr)
	case a.Address != addr:
		p.Add(field, "%q is not a bare address: write %s", addr, a.Address)
	}
}

// validateWatch wants folder names that are set and distinct (INBOX
// in any case is one folder, RFC 9051 section 5.1).
func validateWatch(p setting.Problems, folders []string) {
	seen := map[string]bool{}
	for i, f := range folders {
		key := f
		if strings.EqualFold(f, "INBOX") { // the one case-insensitive name
			key = "INBOX"
		}
		switch {
		case strings.TrimSpace(f) == "":
			p.Add(fmt.Sprintf("[%d]", i), "empty folder name")
		case seen[key]:
			p.Add(fmt.Sprintf("[%d]", i), "%q is listed twice", f)
		}
		seen[key] = true
	}
}
