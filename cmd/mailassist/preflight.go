package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/account"
	"mailassist/configs"
	"mailassist/imapx"
	"mailassist/llm"
)

// preflight connects to everything the config names, as `run` will: it
// logs in to every account (reading its password or token), finds every
// folder it names or discovers, and asks every LLM endpoint for its
// model. It writes one line per check and returns how many failed.
func preflight(ctx context.Context, out io.Writer, cfg *configs.Config) int {
	failed := 0
	report := func(ok bool, format string, args ...any) {
		mark := "ok  "
		if !ok {
			mark, failed = "FAIL", failed+1
		}
		fmt.Fprintf(out, "%s %s\n", mark, fmt.Sprintf(format, args...))
	}
	if needsBus(cfg) {
		e, err := setup(ctx, cfg, slog.New(slog.DiscardHandler), embedIfAbsent, "preflight")
		if err != nil {
			report(false, "bus (for the OAuth2 tokens): %v", err)
		} else {
			defer e.close()
			if err := e.openTokens(ctx); err != nil {
				report(false, "OAuth2 tokens: %v", err)
			}
		}
	}
	for i := range cfg.Accounts {
		preflightAccount(ctx, &cfg.Accounts[i], report)
	}
	for _, name := range []string{"small", "large"} {
		ep := cfg.LLM.Endpoint(name)
		if ep == nil {
			continue
		}
		c, err := llm.New(ep.Config())
		if err == nil {
			err = c.Check(ctx)
		}
		if err != nil {
			report(false, "llm %s: %v", name, err)
		} else {
			report(true, "llm %s: model %s on %s", name, ep.Model, ep.URL)
		}
	}
	return failed
}

// needsBus reports whether an account takes its tokens from the bus.
func needsBus(cfg *configs.Config) bool {
	return slices.ContainsFunc(cfg.Accounts, func(a account.Account) bool { return a.IMAP.Auth == imapx.AuthOAuth2 })
}

func preflightAccount(ctx context.Context, a *account.Account, report func(bool, string, ...any)) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	where := fmt.Sprintf("%s:%d, tls %s", a.IMAP.Host, a.IMAP.Port, a.IMAP.TLS)
	c, err := imapx.Dial(ctx, a.IMAP, nil)
	if err != nil {
		if se, ok := imapx.NeedsPerson(err); ok {
			report(false, "account %s (%s): %s\n     fix: %s\n     (%v)", a.Name, where, se.Problem, se.Fix, se.Err)
		} else {
			report(false, "account %s (%s): %v", a.Name, where, err)
		}
		return
	}
	defer c.Close()
	report(true, "account %s: logged in to %s as %s", a.Name, where, a.IMAP.Username)
	boxes, err := c.List("", "*", nil).Collect()
	if err != nil {
		report(false, "account %s: list folders: %v", a.Name, err)
		return
	}
	names := make([]string, len(boxes))
	for i, b := range boxes {
		names[i] = b.Mailbox
	}
	for _, f := range a.Folders.Watch {
		exists := slices.ContainsFunc(names, func(n string) bool { return n == f || strings.EqualFold(f, "INBOX") && strings.EqualFold(n, "INBOX") })
		if exists {
			report(true, "account %s: folder %q (folders.watch)", a.Name, f)
		} else {
			report(false, "account %s: folder %q (folders.watch) does not exist; the account has: %s", a.Name, f, strings.Join(names, ", "))
		}
	}
	for _, sp := range []struct {
		key, name string
		attr      imap.MailboxAttr
		create    bool // mailassist creates it when missing
	}{
		{"folders.junk", a.Folders.Junk, imap.MailboxAttrJunk, true},
		{"folders.drafts", a.Folders.Drafts, imap.MailboxAttrDrafts, true},
		{"folders.sent", a.Folders.Sent, imap.MailboxAttrSent, false},
	} {
		preflightSpecial(c, a.Name, sp.key, sp.name, sp.attr, sp.create, names, report)
	}
	if a.Folders.Archive != "" && !slices.Contains(names, a.Folders.Archive) {
		report(false, "account %s: folder %q (folders.archive) does not exist; the account has: %s", a.Name, a.Folders.Archive, strings.Join(names, ", "))
	}
}

// preflightSpecial checks a special folder: the one configured, or the
// one found by SPECIAL-USE or a common name.
func preflightSpecial(c *imapclient.Client, acct, key, name string, attr imap.MailboxAttr, create bool, names []string, report func(bool, string, ...any)) {
	if name != "" {
		if slices.Contains(names, name) {
			report(true, "account %s: folder %q (%s)", acct, name, key)
		} else {
			report(false, "account %s: folder %q (%s) does not exist; the account has: %s", acct, name, key, strings.Join(names, ", "))
		}
		return
	}
	found, err := imapx.FindFolder(c, attr)
	switch {
	case err != nil:
		report(false, "account %s: find the %s folder: %v", acct, attr, err)
	case found != "":
		report(true, "account %s: %s folder found: %q (set %s to choose another)", acct, attr, found, key)
	case create:
		report(true, "account %s: no %s folder yet: mailassist will create one when it first needs it (or set %s)", acct, attr, key)
	default:
		report(true, "account %s: no %s folder found (set %s if the account has one)", acct, attr, key)
	}
}

// errPreflight is what config check --connect returns when a check failed.
var errPreflight = errors.New("some checks failed")
