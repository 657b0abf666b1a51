package account

import (
	"maps"
	"slices"
	"strings"

	"mailassist/imapx"
	"mailassist/oauth"
	"mailassist/setting"
)

// The values of Account.Provider.
const (
	ProviderGmail     = "gmail"
	ProviderMicrosoft = "microsoft"
	ProviderFastmail  = "fastmail"
	ProviderYahoo     = "yahoo"
	ProviderICloud    = "icloud"
)

// Quirks is what the code must do differently for a provider.
type Quirks struct {
	// Labels: the server's folders are labels (Gmail). A message may sit in
	// several folders at once, and a move must be a real MOVE: MOVE to
	// Spam takes the INBOX label off, whereas COPY + \Deleted + EXPUNGE
	// may send the message to the Trash, depending on the user's settings.
	Labels bool
}

// preset is what a provider fills in: the zero fields of the account's
// imap and folders sections take these values.
type preset struct {
	imap    imapx.Config
	folders Folders
	quirks  Quirks
}

// presets are the providers' documented IMAP settings. A preset cannot be
// tested against the provider here: tests check what it fills in, and
// Dovecot stands in for the server (see README, Providers).
var presets = map[string]preset{
	// Gmail takes app passwords (its device grant does not cover the IMAP
	// scope); at most 15 simultaneous IMAP connections per account.
	ProviderGmail: {
		imap:    imapx.Config{Host: "imap.gmail.com", Port: imapx.ImplicitPort, TLS: imapx.TLSImplicit, Auth: imapx.AuthPassword, MaxConnections: 15},
		folders: Folders{Junk: "[Gmail]/Spam", Drafts: "[Gmail]/Drafts", Sent: "[Gmail]/Sent Mail", Archive: "[Gmail]/All Mail"},
		quirks:  Quirks{Labels: true},
	},
	// Microsoft 365 and Outlook.com refuse passwords for IMAP: OAuth2,
	// with an application registered in Entra ID (client_id is yours).
	ProviderMicrosoft: {
		imap: imapx.Config{Host: "outlook.office365.com", Port: imapx.ImplicitPort, TLS: imapx.TLSImplicit, Auth: imapx.AuthOAuth2,
			OAuth2: &oauth.Config{
				TokenURL:               "https://login.microsoftonline.com/common/oauth2/v2.0/token",
				DeviceAuthorizationURL: "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
				Scopes:                 []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"},
			}},
		folders: Folders{Junk: "Junk Email", Drafts: "Drafts", Sent: "Sent Items", Archive: "Archive"},
	},
	// Fastmail takes app passwords.
	ProviderFastmail: {
		imap:    imapx.Config{Host: "imap.fastmail.com", Port: imapx.ImplicitPort, TLS: imapx.TLSImplicit, Auth: imapx.AuthPassword},
		folders: Folders{Junk: "Spam", Drafts: "Drafts", Sent: "Sent", Archive: "Archive"},
	},
	// Yahoo takes app passwords; its folders are found by SPECIAL-USE.
	ProviderYahoo: {
		imap: imapx.Config{Host: "imap.mail.yahoo.com", Port: imapx.ImplicitPort, TLS: imapx.TLSImplicit, Auth: imapx.AuthPassword},
	},
	// iCloud takes app-specific passwords.
	ProviderICloud: {
		imap:    imapx.Config{Host: "imap.mail.me.com", Port: imapx.ImplicitPort, TLS: imapx.TLSImplicit, Auth: imapx.AuthPassword},
		folders: Folders{Junk: "Junk", Drafts: "Drafts", Sent: "Sent Messages", Archive: "Archive"},
	},
}

// Providers lists the provider names a config may use, sorted.
func Providers() []string { return slices.Sorted(maps.Keys(presets)) }

// Quirks returns what the code must do differently for the account's
// provider.
func (a *Account) Quirks() Quirks { return presets[a.Provider].quirks }

// applyPreset fills the zero fields of a's imap and folders sections
// from its provider's preset: keys written in the file win.
func (a *Account) applyPreset() {
	p, ok := presets[a.Provider]
	if !ok {
		return
	}
	im, pi := &a.IMAP, p.imap
	fill(&im.Host, pi.Host)
	fill(&im.TLS, pi.TLS)
	if im.Port == 0 && im.TLS == pi.TLS { // a port of the preset's TLS mode only
		im.Port = pi.Port
	}
	fill(&im.Auth, pi.Auth)
	fill(&im.MaxConnections, pi.MaxConnections)
	if im.Auth == imapx.AuthOAuth2 && pi.OAuth2 != nil {
		o := oauth.Config{}
		if im.OAuth2 != nil {
			o = *im.OAuth2
		}
		fill(&o.TokenURL, pi.OAuth2.TokenURL)
		fill(&o.DeviceAuthorizationURL, pi.OAuth2.DeviceAuthorizationURL)
		if len(o.Scopes) == 0 {
			o.Scopes = slices.Clone(pi.OAuth2.Scopes)
		}
		im.OAuth2 = &o
	}
	f, pf := &a.Folders, p.folders
	fill(&f.Junk, pf.Junk)
	fill(&f.Drafts, pf.Drafts)
	fill(&f.Sent, pf.Sent)
	fill(&f.Archive, pf.Archive)
}

func fill[T comparable](v *T, preset T) {
	var zero T
	if *v == zero {
		*v = preset
	}
}

// validateProvider names the allowed providers.
func validateProvider(p setting.Problems, provider string) {
	if _, ok := presets[provider]; provider != "" && !ok {
		p.Add("provider", "%q is not one of %s (or empty for none)", provider, strings.Join(Providers(), ", "))
	}
}
