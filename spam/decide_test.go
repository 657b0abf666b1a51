package spam_test

import (
	"context"
	"encoding/json"
	"testing"

	"mailassist/bus"
	"mailassist/internal/natstest"
	"mailassist/spam"
)

// withAuth puts the receiving side's hop and Authentication-Results on top
// of a fixture: what the user's provider records.
func withAuth(raw []byte, results string) []byte {
	return append([]byte("Authentication-Results: mx.provider.example; "+results+"\r\n"+
		"Received: from mail.sender.example (mail.sender.example [198.51.100.20])\r\n\tby mx.provider.example with ESMTPS id 1; Tue, 24 Nov 2026 03:12:01 +0000\r\n"), raw...)
}

const (
	dmarcPass = "spf=pass smtp.mailfrom=lottery-claims.biz; dkim=pass header.d=lottery-claims.biz; dmarc=pass header.from=lottery-claims.biz"
	dmarcFail = "spf=fail smtp.mailfrom=lottery-claims.biz; dkim=none; dmarc=fail header.from=lottery-claims.biz"
	noAuth    = "spf=none; dkim=none; dmarc=none"
)

// TestStageDecidedBy checks who decides a verdict: lists only for an
// authenticated From, a correspondent kept out of Junk unless the evidence
// is overwhelming and authentication fails, the user's label above all.
func TestStageDecidedBy(t *testing.T) {
	b := natstest.New(t)
	corr, err := spam.OpenCorrespondents(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := corr.Add(context.Background(), "alice", []string{"Winner@Lottery-Claims.biz", "friend@example.net"}); err != nil || n != 2 {
		t.Fatalf("Add = %d, %v", n, err)
	}
	if n, _ := corr.Add(context.Background(), "alice", []string{"winner@lottery-claims.biz"}); n != 0 {
		t.Fatalf("a known correspondent was added again")
	}
	lists := map[string]spam.Lists{
		"allow": {Allow: []string{"@lottery-claims.biz"}},
		"block": {Allow: []string{"@lottery-claims.biz"}, Block: []string{"winner@lottery-claims.biz"}},
	}
	spamRaw := fixture(t, "spam.eml")
	uid := uint32(0) // one per case: the bus drops a publish with a Nats-Msg-Id it has seen
	for _, tc := range []struct {
		name     string
		lists    string
		corr     bool
		auth     string
		label    bus.Label
		verdict  bus.Verdict
		decision bus.Decider
	}{
		{"model", "", false, dmarcPass, "", bus.VerdictSpam, bus.DecidedByModel},
		{"allowlist, authenticated", "allow", false, dmarcPass, "", bus.VerdictHam, bus.DecidedByAllowlist},
		{"allowlist, not authenticated", "allow", false, noAuth, "", bus.VerdictSpam, bus.DecidedByModel},
		{"allowlist, spoofed", "allow", false, dmarcFail, "", bus.VerdictSpam, bus.DecidedByModel},
		{"address block beats domain allow", "block", false, dmarcPass, "", bus.VerdictSpam, bus.DecidedByBlocklist},
		{"correspondent, authenticated", "", true, dmarcPass, "", bus.VerdictHam, bus.DecidedByCorrespondent},
		{"correspondent, nothing known", "", true, noAuth, "", bus.VerdictHam, bus.DecidedByCorrespondent},
		{"correspondent spoofed, overwhelming", "", true, dmarcFail, "", bus.VerdictSpam, bus.DecidedByModel},
		{"user label", "block", false, dmarcPass, bus.LabelHam, bus.VerdictHam, bus.DecidedByUserLabel},
	} {
		uid++
		t.Run(tc.name, func(t *testing.T) {
			st := &spam.Stage{Bus: b, Accounts: alice, Models: newModels(t, b), Action: bus.SpamMove}
			if tc.lists != "" {
				l := lists[tc.lists]
				st.Lists = func(string) spam.Lists { return l }
			}
			if tc.corr {
				st.Correspondents = corr
			}
			ev := ingested(uid, withAuth(spamRaw, tc.auth))
			ev.UserLabel = tc.label
			classified := natstest.Collect[bus.Classified](t, b, bus.AllAccounts(bus.KindClassified))
			data, _ := json.Marshal(ev)
			if err := st.Handle(context.Background(), bus.NewDelivery("mail.ingested.alice", data, nil)); err != nil {
				t.Fatal(err)
			}
			var c bus.Classified
			natstest.WaitFor(t, "classified", func() bool {
				for _, e := range classified() {
					if e.UID == ev.UID {
						c = e
						return true
					}
				}
				return false
			})
			if c.Verdict != tc.verdict || c.DecidedBy != tc.decision {
				t.Errorf("verdict %s decided by %q (score %.4f), want %s by %q", c.Verdict, c.DecidedBy, c.Score, tc.verdict, tc.decision)
			}
		})
	}
}

func TestListsMatch(t *testing.T) {
	l := spam.Lists{Allow: []string{"@example.com", "boss@corp.example"}, Block: []string{"spammer@example.com", "@corp.example", "@bad.example"}}
	for addr, want := range map[string]spam.ListMatch{
		"alice@example.com":   spam.Allowed,
		"Spammer@Example.com": spam.Blocked,
		"x@mail.example.com":  spam.Allowed,
		"boss@corp.example":   spam.Allowed,
		"other@corp.example":  spam.Blocked,
		"x@sub.bad.example":   spam.Blocked,
		"x@notbad.example":    spam.Unlisted,
		"":                    spam.Unlisted,
	} {
		if got := l.Match(addr); got != want {
			t.Errorf("Match(%q) = %v, want %v", addr, got, want)
		}
	}
}
