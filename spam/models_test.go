package spam

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"mailassist/internal/natstest"
)

// Beyond Models.Resident own models, the least recently used is let go
// and read back, the same model, at its account's next use; a feedback
// saved for an account let go keeps the metadata it was saved with.
func TestModelsBeyondResidentAreReadBack(t *testing.T) {
	ctx := context.Background()
	b := natstest.New(t)
	base := Default()
	m, err := NewModels(ctx, b, base, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	m.Resident = 2
	raw, err := os.ReadFile(filepath.Join("testdata", "spam-419.eml"))
	if err != nil {
		t.Fatal(err)
	}
	versions := map[string]string{}
	for _, acct := range []string{"a", "b", "c"} {
		own := base.Clone()
		own.LearnIn(raw, true, Context{})
		for range len(versions) { // each account's model its own
			own.LearnIn(raw, true, Context{})
		}
		if err := m.Save(ctx, acct, own, map[string]string{"origin": acct}); err != nil {
			t.Fatal(err)
		}
		versions[acct] = own.Version()
	}
	if got := resident(m); len(got) != 2 || got["a"] {
		t.Fatalf("resident after three saves: %v, want b and c", got)
	}

	for _, acct := range []string{"a", "b", "c", "a"} {
		model, err := m.For(ctx, acct)
		if err != nil {
			t.Fatal(err)
		}
		if model.Version() != versions[acct] || model == base {
			t.Errorf("%s: model %s, saved %s", acct, model.Version(), versions[acct])
		}
		if n := len(resident(m)); n > 2 {
			t.Errorf("%d own models held, Resident 2", n)
		}
	}

	// b is least recently used now; a feedback for it is saved after it
	// was let go.
	if resident(m)["b"] {
		t.Fatalf("resident %v: b should have been let go", resident(m))
	}
	own := base.Clone()
	own.LearnIn(raw, false, Context{})
	if err := m.save(ctx, "b", own, "feedback-1"); err != nil {
		t.Fatal(err)
	}
	info, err := m.store.GetInfo(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if info.Metadata["origin"] != "b" || info.Metadata[metaLastKey] != "feedback-1" {
		t.Errorf("metadata after a save of a model let go: %v", info.Metadata)
	}
}

// resident names the accounts whose own model m holds.
func resident(m *Models) map[string]bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := map[string]bool{}
	for name, am := range m.accounts {
		if am.nuid != "" {
			out[name] = true
		}
	}
	return out
}
