package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailassist/bus"
	"mailassist/draft"
)

// reply stats reads the ledger and prints the counts by the names the
// issue promised, overall and per source and intent; --account and
// --since select.
func TestReplyStats(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "mailassist.yaml")
	os.WriteFile(cfgPath, []byte(`data_dir: `+dir+`/data
log: {level: error}
http: {listen: ""}
accounts:
  - {name: alice, address: alice@example.org, imap: {host: imap.example.org, password_env: P}}
  - {name: bob, address: bob@example.org, imap: {host: imap.example.org, password_env: P}}
`), 0o600)

	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e, err := setup(ctx, cfg, slog.New(slog.DiscardHandler), embedIfAbsent, "test")
	if err != nil {
		t.Fatal(err)
	}
	e.close()

	// Before any draft (no ledger yet): zero counts, not an error.
	out, err := execute(t, "reply", "stats", "-c", cfgPath, "--json")
	if err != nil || !strings.Contains(out, `"sent_unchanged": 0`) {
		t.Fatalf("stats of nothing: %v\n%s", err, out)
	}

	if e, err = setup(ctx, cfg, slog.New(slog.DiscardHandler), embedIfAbsent, "test"); err != nil {
		t.Fatal(err)
	}
	l, err := draft.OpenLedger(ctx, e.bus)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-40 * 24 * time.Hour)
	for i, d := range []struct {
		account string
		source  bus.DraftSource
		intent  string
		fate    bus.DraftFate
		filed   time.Time
	}{
		{"alice", bus.DraftBuiltin, "yes", bus.FateSentUnchanged, time.Now()},
		{"alice", bus.DraftBuiltin, "no", bus.FateDeleted, time.Now()},
		{"alice", bus.DraftSmallModel, "", bus.FateSentEdited, time.Now()},
		{"alice", bus.DraftLargeModel, "", bus.FatePending, time.Now()},
		{"alice", bus.DraftBuiltin, "yes", "", time.Now()},
		{"alice", bus.DraftBuiltin, "yes", bus.FateDeleted, old},
		{"bob", bus.DraftBuiltin, "thanks", bus.FateSentUnchanged, time.Now()},
	} {
		ref := bus.Ref{ID: fmt.Sprintf("%s/1/%d", d.account, i+1), Account: d.account, Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1)}
		if err := l.Request(ctx, &draft.Record{Original: ref, Source: d.source, Intent: d.intent, Stage: "reply", Filed: d.filed}); err != nil {
			t.Fatal(err)
		}
		raw := fmt.Sprintf("From: %s@example.org\r\nTo: carol@example.org\r\nSubject: Re: x\r\n%s: %s\r\n\r\nSure thing, see you there.\r\n", d.account, bus.RefHeader, ref.ID)
		if err := l.Appended(ctx, ref.ID, []byte(raw), uint32(100+i)); err != nil {
			t.Fatal(err)
		}
		if d.fate != "" {
			s := draft.Settlement{Fate: d.fate, How: bus.SourceDraftsCheck, At: time.Now()}
			if d.fate == bus.FateSentEdited {
				s.EditDistance = 0.4
			}
			if _, err := l.Settle(ctx, e.bus, ref.ID, s); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.close()

	out, err = execute(t, "reply", "stats", "-c", cfgPath, "--account", "alice", "--since", "30d", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Overall  map[string]float64            `json:"overall"`
		BySource map[string]map[string]float64 `json:"by_source"`
		ByIntent map[string]map[string]float64 `json:"by_intent"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	want := map[string]float64{"filed": 5, "sent_unchanged": 1, "sent_edited": 1, "deleted": 1, "pending": 1, "replaced": 0, "open": 1,
		"acceptance": 0.5, "mean_edit_distance": 0.2}
	for k, v := range want {
		if got, ok := st.Overall[k]; !ok || got != v {
			t.Errorf("overall %s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	if st.BySource["builtin"]["filed"] != 3 || st.BySource["small_model"]["sent_edited"] != 1 || st.BySource["large_model"]["pending"] != 1 {
		t.Errorf("by_source %v", st.BySource)
	}
	if st.ByIntent["yes"]["sent_unchanged"] != 1 || st.ByIntent["yes"]["open"] != 1 || st.ByIntent["none"]["filed"] != 2 || st.ByIntent["thanks"] != nil {
		t.Errorf("by_intent %v", st.ByIntent)
	}

	out, err = execute(t, "reply", "stats", "-c", cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"drafts of every account", "sent_unchanged", "overall", "source builtin", "intent thanks"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	t.Logf("\n%s", out)
}
