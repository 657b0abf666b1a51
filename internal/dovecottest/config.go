package dovecottest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
)

// mailUser is the system user that owns the mail store and runs the IMAP
// processes. As root that is Debian's "mail" (uid 8): Dovecot refuses to
// run mail processes as root. As another user it is that user, and Dovecot
// runs all of its processes as them.
type mailUser struct {
	name     string
	group    string
	uid, gid int
	root     bool // Dovecot runs as root and drops to uid/gid for mail
}

func lookupMailUser() (mailUser, error) {
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return mailUser{}, fmt.Errorf("dovecottest: current user: %w", err)
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			return mailUser{}, fmt.Errorf("dovecottest: group of current user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return mailUser{name: u.Username, group: g.Name, uid: uid, gid: gid}, nil
	}
	mu := mailUser{name: "mail", group: "mail", root: true}
	if u, err := user.Lookup("mail"); err == nil {
		mu.uid, _ = strconv.Atoi(u.Uid)
		mu.gid, _ = strconv.Atoi(u.Gid)
		return mu, nil
	}
	// os/user without cgo reads /etc/passwd only; ask id(1) for NSS users.
	uid, err1 := exec.Command("id", "-u", "mail").Output()
	gid, err2 := exec.Command("id", "-g", "mail").Output()
	if err1 != nil || err2 != nil {
		return mailUser{}, fmt.Errorf("dovecottest: no system user %q to own the mail store", "mail")
	}
	mu.uid, _ = strconv.Atoi(strings.TrimSpace(string(uid)))
	mu.gid, _ = strconv.Atoi(strings.TrimSpace(string(gid)))
	return mu, nil
}

// configTemplate is Dovecot 2.3 syntax (Debian 12). It mirrors
// shared/tools/dovecot-dev/up.sh.
var configTemplate = template.Must(template.New("dovecot.conf").Parse(`# Written by mailassist/internal/dovecottest; regenerated on every start.
protocols = imap
listen = {{.Host}}
base_dir = {{.Dir}}/run
state_dir = {{.Dir}}/run/state
instance_name = {{.Instance}}
log_path = {{.Dir}}/dovecot.log
info_log_path = {{.Dir}}/dovecot.log
{{- if not .Root}}
default_internal_user = {{.OwnerName}}
default_internal_group = {{.OwnerGroup}}
default_login_user = {{.OwnerName}}
{{- end}}

ssl = yes
ssl_cert = <{{.Dir}}/tls/cert.pem
ssl_key = <{{.Dir}}/tls/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login{{if .OAuth2}} oauthbearer xoauth2{{end}}
# Tests that try wrong passwords should not wait: no fixed delay, and no
# growing per-IP penalty (up to 15s, shared by every test on 127.0.0.1).
# The penalty is off when auth cannot reach this anvil socket.
auth_failure_delay = 0
service anvil {
{{- if not .Root}}
  chroot =
{{- end}}
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}

passdb {
  driver = passwd-file
{{- if .OAuth2}}
  mechanisms = plain login
{{- end}}
  args = scheme=PLAIN username_format=%u {{.Dir}}/users
}
{{- if .OAuth2}}
# WithOAuth2: tokens are checked by the test's introspection endpoint.
passdb {
  driver = oauth2
  mechanisms = oauthbearer xoauth2
  args = {{.Dir}}/dovecot-oauth2.conf.ext
}
{{- end}}
userdb {
  driver = static
  args = uid={{.UID}} gid={{.GID}} home={{.Dir}}/mail/%u
}
first_valid_uid = {{.FirstUID}}
first_valid_gid = {{.FirstGID}}

mail_location = maildir:~/Maildir
# Tests open many connections from one address.
mail_max_userip_connections = 100
# Notice changes made outside this process quickly in IDLE.
mailbox_idle_check_interval = 1 secs

namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Junk {
    special_use = \Junk
    auto = subscribe
  }
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
}

service imap-login {
{{- if not .Root}}
  chroot =
{{- end}}
  inet_listener imap {
    address = {{.Host}}
    port = {{.Port}}
  }
  inet_listener imaps {
    address = {{.Host}}
    port = {{.TLSPort}}
    ssl = yes
  }
}
{{if .Extra}}
# WithConfig
{{.Extra}}
{{end}}`))

func (s *Server) writeConfig() error {
	if strings.ContainsAny(s.Dir, " \t\"'#{}\n") {
		return fmt.Errorf("dovecottest: directory %q has characters dovecot.conf cannot hold unquoted", s.Dir)
	}
	firstUID, firstGID := 8, 8
	if s.owner.uid < firstUID {
		firstUID = s.owner.uid
	}
	if s.owner.gid < firstGID {
		firstGID = s.owner.gid
	}
	f, err := os.Create(s.conf)
	if err != nil {
		return fmt.Errorf("dovecottest: %w", err)
	}
	err = configTemplate.Execute(f, map[string]any{
		"Host":       s.Host,
		"Dir":        s.Dir,
		"Instance":   "mailassist-" + filepath.Base(s.Dir),
		"Root":       s.owner.root,
		"OwnerName":  s.owner.name,
		"OwnerGroup": s.owner.group,
		"UID":        s.owner.uid,
		"GID":        s.owner.gid,
		"FirstUID":   firstUID,
		"FirstGID":   firstGID,
		"Port":       s.Port,
		"TLSPort":    s.TLSPort,
		"Extra":      s.extraCfg,
		"OAuth2":     s.oauth2URL != "",
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("dovecottest: write %s: %w", s.conf, err)
	}
	return s.writeOAuth2Config()
}

// oauth2Template is the oauth2 passdb's own file (Dovecot 2.3): every
// login's token is posted to the introspection endpoint (RFC 7662), which
// must answer {"active": true, "username": USER}. No auth cache is
// configured, so a revoked token fails at once.
var oauth2Template = template.Must(template.New("dovecot-oauth2.conf.ext").Parse(`# Written by mailassist/internal/dovecottest.
introspection_mode = post
introspection_url = {{.URL}}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 10000
`))

func (s *Server) writeOAuth2Config() error {
	if s.oauth2URL == "" {
		return nil
	}
	if strings.ContainsAny(s.oauth2URL, " \t\n#") {
		return fmt.Errorf("dovecottest: introspection URL %q has characters the config cannot hold", s.oauth2URL)
	}
	path := filepath.Join(s.Dir, "dovecot-oauth2.conf.ext")
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("dovecottest: %w", err)
	}
	err = oauth2Template.Execute(f, map[string]string{"URL": s.oauth2URL})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(path, 0o644) // read by the auth process
	}
	if err != nil {
		return fmt.Errorf("dovecottest: write %s: %w", path, err)
	}
	return nil
}
