package account_test

import (
	"reflect"
	"testing"

	"mailassist/account"
	"mailassist/imapx"
	"mailassist/oauth"
)

// What each preset fills in, and that keys written in the file win.
func TestProviderPresets(t *testing.T) {
	msOAuth := &oauth.Config{
		ClientID:               "my-app",
		TokenURL:               "https://login.microsoftonline.com/common/oauth2/v2.0/token",
		DeviceAuthorizationURL: "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
		Scopes:                 []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"},
	}
	tests := []struct {
		name    string
		in      account.Account
		imap    imapx.Config
		folders account.Folders
		quirks  account.Quirks
	}{
		{
			name:    "gmail",
			in:      account.Account{Provider: "gmail", Address: "a@gmail.com", IMAP: imapx.Config{PasswordEnv: "P"}},
			imap:    imapx.Config{Host: "imap.gmail.com", Port: 993, TLS: "implicit", Username: "a@gmail.com", Auth: "password", PasswordEnv: "P", MaxConnections: 15},
			folders: account.Folders{Watch: []string{"INBOX"}, Junk: "[Gmail]/Spam", Drafts: "[Gmail]/Drafts", Sent: "[Gmail]/Sent Mail", Archive: "[Gmail]/All Mail"},
			quirks:  account.Quirks{Labels: true},
		},
		{
			name:    "gmail with explicit keys",
			in:      account.Account{Provider: "gmail", Address: "a@gmail.com", IMAP: imapx.Config{Host: "127.0.0.1", TLS: "starttls", MaxConnections: 3, PasswordEnv: "P"}, Folders: account.Folders{Junk: "Spam"}},
			imap:    imapx.Config{Host: "127.0.0.1", Port: 143, TLS: "starttls", Username: "a@gmail.com", Auth: "password", PasswordEnv: "P", MaxConnections: 3},
			folders: account.Folders{Watch: []string{"INBOX"}, Junk: "Spam", Drafts: "[Gmail]/Drafts", Sent: "[Gmail]/Sent Mail", Archive: "[Gmail]/All Mail"},
			quirks:  account.Quirks{Labels: true},
		},
		{
			name:    "microsoft",
			in:      account.Account{Provider: "microsoft", Address: "a@contoso.com", IMAP: imapx.Config{OAuth2: &oauth.Config{ClientID: "my-app"}}},
			imap:    imapx.Config{Host: "outlook.office365.com", Port: 993, TLS: "implicit", Username: "a@contoso.com", Auth: "oauth2", OAuth2: msOAuth},
			folders: account.Folders{Watch: []string{"INBOX"}, Junk: "Junk Email", Drafts: "Drafts", Sent: "Sent Items", Archive: "Archive"},
		},
		{
			name:    "microsoft with a password",
			in:      account.Account{Provider: "microsoft", Address: "a@contoso.com", IMAP: imapx.Config{Auth: "password", PasswordEnv: "P"}},
			imap:    imapx.Config{Host: "outlook.office365.com", Port: 993, TLS: "implicit", Username: "a@contoso.com", Auth: "password", PasswordEnv: "P"},
			folders: account.Folders{Watch: []string{"INBOX"}, Junk: "Junk Email", Drafts: "Drafts", Sent: "Sent Items", Archive: "Archive"},
		},
		{
			name:    "fastmail",
			in:      account.Account{Provider: "fastmail", Address: "a@fastmail.com", IMAP: imapx.Config{PasswordEnv: "P"}},
			imap:    imapx.Config{Host: "imap.fastmail.com", Port: 993, TLS: "implicit", Username: "a@fastmail.com", Auth: "password", PasswordEnv: "P"},
			folders: account.Folders{Watch: []string{"INBOX"}, Junk: "Spam", Drafts: "Drafts", Sent: "Sent", Archive: "Archive"},
		},
		{
			name:    "yahoo",
			in:      account.Account{Provider: "yahoo", Address: "a@yahoo.com", IMAP: imapx.Config{PasswordEnv: "P"}},
			imap:    imapx.Config{Host: "imap.mail.yahoo.com", Port: 993, TLS: "implicit", Username: "a@yahoo.com", Auth: "password", PasswordEnv: "P"},
			folders: account.Folders{Watch: []string{"INBOX"}}, // found by SPECIAL-USE
		},
		{
			name:    "icloud",
			in:      account.Account{Provider: "icloud", Address: "a@icloud.com", IMAP: imapx.Config{PasswordEnv: "P"}},
			imap:    imapx.Config{Host: "imap.mail.me.com", Port: 993, TLS: "implicit", Username: "a@icloud.com", Auth: "password", PasswordEnv: "P"},
			folders: account.Folders{Watch: []string{"INBOX"}, Junk: "Junk", Drafts: "Drafts", Sent: "Sent Messages", Archive: "Archive"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.in.WithDefaults()
			if !reflect.DeepEqual(a.IMAP, tt.imap) {
				t.Errorf("imap\n got %+v\nwant %+v", a.IMAP, tt.imap)
			}
			if a.IMAP.OAuth2 != nil && !reflect.DeepEqual(*a.IMAP.OAuth2, *tt.imap.OAuth2) {
				t.Errorf("oauth2\n got %+v\nwant %+v", *a.IMAP.OAuth2, *tt.imap.OAuth2)
			}
			if !reflect.DeepEqual(a.Folders, tt.folders) {
				t.Errorf("folders\n got %+v\nwant %+v", a.Folders, tt.folders)
			}
			if a.Quirks() != tt.quirks {
				t.Errorf("quirks %+v, want %+v", a.Quirks(), tt.quirks)
			}
		})
	}
}
