package spam

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"mailassist/bus"
	"mailassist/internal/natstest"
)

// Beyond Models.Budget, the least recently used own model is let go and
// read back, the same model, at its account's next use; a feedback saved
// for an account let go keeps the metadata it was saved with.
func TestModelsBeyondBudgetAreReadBack(t *testing.T) {
	ctx := context.Background()
	b := natstest.New(t)
	shipped := Default()
	m, base := modelsOverAnotherBase(t, b)
	raw := spamFixture(t)
	versions, owns := map[string]string{}, map[string]*Model{}
	var most int64
	for _, acct := range []string{"a", "b", "c"} {
		own := shipped.Clone()
		own.LearnIn(raw, true, Context{})
		for range len(versions) { // each account's model its own
			own.LearnIn(raw, true, Context{})
		}
		own = reload(t, own) // held as read, as the copies read back will be
		versions[acct], owns[acct] = own.Version(), own
		most = max(most, own.heldBytes(base))
	}
	if most < 1<<20 {
		t.Fatalf("a model of its own holds %d bytes", most)
	}
	m.Budget = 2*most + most/2 // room for two
	for _, acct := range []string{"a", "b", "c"} {
		if err := m.Save(ctx, acct, owns[acct], map[string]string{"origin": acct}); err != nil {
			t.Fatal(err)
		}
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
		if n := len(resident(m)); n != 2 {
			t.Errorf("%d own models held, room for 2", n)
		}
	}

	// b is least recently used now; a feedback for it is saved after it
	// was let go.
	if resident(m)["b"] {
		t.Fatalf("resident %v: b should have been let go", resident(m))
	}
	own := shipped.Clone()
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

// What a model holds of its own: a clone of the shipped model that learnt
// a message holds its overlay, the shipped integers are shared.
func TestHeldBytes(t *testing.T) {
	shipped := Default()
	own := shipped.Clone()
	own.LearnIn(spamFixture(t), true, Context{})
	all, over := own.heldBytes(nil), own.heldBytes(shipped)
	if all < 2<<21 {
		t.Errorf("all it holds: %d bytes, less than its 2^21 16-bit weights", all)
	}
	if over <= 0 || over > 256<<10 {
		t.Errorf("beyond the shipped model: %d bytes, want a few kB", over)
	}
	if n := shipped.heldBytes(shipped); n != 0 {
		t.Errorf("the shipped model beyond itself: %d bytes", n)
	}
}

// BenchmarkModelsHeld: forty accounts whose models are their own (none
// shares the base's integers, as a bootstrapped account's read back does
// not), each used once; the heap the Models keep afterwards, with no
// budget and with the default spam.models_memory.
func BenchmarkModelsHeld(b *testing.B) {
	const accounts = 40
	ctx := context.Background()
	bus := natstest.New(b)
	writer, base := modelsOverAnotherBase(b, bus)
	own := Default().Clone()
	own.LearnIn(spamFixture(b), true, Context{})
	for i := range accounts {
		if err := writer.Save(ctx, fmt.Sprint("acct", i), own, nil); err != nil {
			b.Fatal(err)
		}
	}
	for _, budget := range []int64{0, DefaultModelsMemory} {
		b.Run(fmt.Sprintf("budget=%dMiB", budget>>20), func(b *testing.B) {
			var mb float64
			for b.Loop() {
				mb = retainedMB(func() any {
					m, err := NewModels(ctx, bus, base, slog.New(slog.NewTextHandler(io.Discard, nil)))
					if err != nil {
						b.Fatal(err)
					}
					m.Budget = budget
					for i := range accounts {
						if _, err := m.For(ctx, fmt.Sprint("acct", i)); err != nil {
							b.Fatal(err)
						}
					}
					return m
				})
			}
			b.ReportMetric(mb, "MB-held")
		})
	}
}

// modelsOverAnotherBase returns Models whose base is not the shipped
// model, and that base: models made from the shipped one share none of
// the base's integers, so each holds the same, its own (as an account
// bootstrapped from its mailbox does when read back).
func modelsOverAnotherBase(tb testing.TB, b *bus.Bus) (*Models, *Model) {
	tb.Helper()
	base, err := New(TrainOptions{Bits: 16})
	if err != nil {
		tb.Fatal(err)
	}
	m, err := NewModels(context.Background(), b, base, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	return m, base
}

// spamFixture is a spam message of the test data.
func spamFixture(tb testing.TB) []byte {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "spam-419.eml"))
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}
