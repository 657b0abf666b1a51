package reply

import (
	"fmt"
	"mailassist/internal/golden"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mailassist/draft"
	"mailassist/lang"
	"mailassist/mailmsg"
)

// The built-in generator's choices for every fixture are kept in a golden
// file, so a change of the response set shows in review.
func TestBuiltinGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/builtin/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("testdata/trigger/*.eml")
	files = append(files, more...)
	var b strings.Builder
	for _, f := range files {
		name := strings.TrimPrefix(f, "testdata/")
		fmt.Fprintf(&b, "%s\n", name)
		for _, s := range Builtin(fixture(t, name)) {
			fmt.Fprintf(&b, "  %-15s %s\n", s.Intent, s.Text)
		}
	}
	golden.Check(t, filepath.Join("testdata", "builtin.golden"), []byte(b.String()))
}

func TestBuiltin(t *testing.T) {
	tests := []struct {
		file    string
		first   string   // intent of the top suggestion
		intents []string // all of these are offered
		texts   []string // one suggestion has one of these texts (alternatives of a group)
	}{
		{file: "builtin/reschedule.eml", first: IntentYes, intents: []string{IntentYes, IntentNo, IntentSchedule}, texts: []string{"Could we find another time?", "Can we do a different time?"}},
		// An ask for a document is answered by sending it, not by yes or no.
		{file: "builtin/thanks-question.eml", first: IntentWillDo, intents: []string{IntentWillDo, IntentWelcome}},
		{file: "trigger/direct-question.eml", first: IntentWillDo, intents: []string{IntentWillDo, IntentMoreInfo}},
		{file: "builtin/complaint.eml", first: IntentFollowUp, intents: []string{IntentFollowUp, IntentYes, IntentNo}},
		{file: "builtin/attachment.eml", first: IntentThanks, intents: []string{IntentThanks, IntentFollowUp}},
		{file: "builtin/open-question.eml", intents: []string{IntentFollowUp, IntentMoreInfo}},
		{file: "builtin/update.eml", first: IntentThanks, intents: []string{IntentThanks, IntentAcknowledge}, texts: []string{"Thanks for the update!", "Thanks for letting me know."}},
		{file: "builtin/meeting-open.eml", first: IntentSchedule, texts: []string{"What time works best for you?", "When would suit you?"}},
		{file: "trigger/thanks-only.eml", first: IntentWelcome},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := Builtin(fixture(t, tt.file))
			if len(got) == 0 {
				t.Fatal("no suggestions")
			}
			if tt.first != "" && got[0].Intent != tt.first {
				t.Errorf("first intent %q, want %q: %v", got[0].Intent, tt.first, got)
			}
			for _, want := range tt.intents {
				if !slices.ContainsFunc(got, func(s Suggestion) bool { return s.Intent == want }) {
					t.Errorf("no %q in %v", want, got)
				}
			}
			if tt.texts != nil && !slices.ContainsFunc(got, func(s Suggestion) bool { return slices.Contains(tt.texts, s.Text) }) {
				t.Errorf("none of %q in %v", tt.texts, got)
			}
		})
	}
}

// Every fixture's suggestions follow the rules Validate enforces on a
// model: at most three, distinct intents, short, no preamble; a yes/no
// question gets a yes and a no, unless it asks for a document, which gets
// a will-do.
func TestBuiltinFollowsTheContract(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.eml")
	for _, f := range files {
		name := strings.TrimPrefix(f, "testdata/")
		m := fixture(t, name)
		got := Builtin(m)
		if len(got) == 0 {
			continue
		}
		if _, err := Validate(Output{Suggestions: got}, m); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		var yes, no, willDo bool
		for _, s := range got {
			yes = yes || s.Intent == IntentYes
			no = no || s.Intent == IntentNo
			willDo = willDo || s.Intent == IntentWillDo
		}
		switch f := extract(m); {
		case f.document && (!willDo || yes || no):
			t.Errorf("%s: an ask for a document without a will-do, or with a yes or no: %v", name, got)
		case f.yesNo && !f.document && (!yes || !no):
			t.Errorf("%s: a yes/no question without both answers: %v", name, got)
		}
	}
}

// A message in a language without a response set, or in none, gets no
// suggestion: never one in another language.
func TestBuiltinOtherLanguages(t *testing.T) {
	got := Builtin(fixture(t, "trigger/german-question.eml"))
	if len(got) == 0 {
		t.Error("German message: no suggestions")
	}
	for _, s := range got {
		if l := lang.Detect(s.Text); l != "de" && l != lang.Unknown {
			t.Errorf("German message: suggestion %q is in %s", s.Text, l)
		}
	}
	for _, text := range []string{"Kan du skicka rapporten till mig i morgon?", "Czy możesz przesłać mi raport jutro?", "OK?"} {
		m := mailmsg.Parse([]byte("From: a@x.example\r\nSubject: x\r\n\r\n" + text + "\r\n"))
		if got := Builtin(m); got != nil {
			t.Errorf("%q: %v, want nil", text, got)
		}
	}
	m := mailmsg.Parse([]byte("From: a@x.example\r\nSubject: x\r\n\r\nПривет! Сможешь прислать отчёт завтра?\r\n"))
	if got := Builtin(m); got != nil {
		t.Errorf("Russian message: %v, want nil", got)
	}
	if got := Builtin(mailmsg.Parse([]byte("From: a@x.example\r\nSubject: x\r\n\r\n"))); got != nil {
		t.Errorf("empty message: %v, want nil", got)
	}
}

// The same message gets the same suggestions every time (a redelivered
// message must produce the same draft).
func TestBuiltinStable(t *testing.T) {
	m := fixture(t, "builtin/reschedule.eml")
	first := Builtin(m)
	for range 5 {
		if got := Builtin(m); !slices.Equal(got, first) {
			t.Fatalf("%v then %v", first, got)
		}
	}
}

// BenchmarkBuiltin measures the built-in generator per message, already
// parsed (the stage parses once for every step): on the fixtures, on a
// message with 200 KiB of text, and on the ham of the corpus named by
// MAILASSIST_CORPUS when it is set (the SpamAssassin layout).
func BenchmarkBuiltin(b *testing.B) {
	files, _ := filepath.Glob("testdata/*/*.eml")
	more, _ := filepath.Glob("testdata/lang/*/*.eml")
	b.Run("fixtures", func(b *testing.B) { benchBuiltin(b, parseFiles(b, append(files, more...))) })
	b.Run("large", func(b *testing.B) {
		text := strings.Repeat("Could we go over the numbers again? The totals look off to me. ", 1600) +
			"\n\nOn Mon, 1 Jan 2026, A wrote:\n" + strings.Repeat("> quoted history line\n", 2000)
		raw := "From: a@x.example\r\nTo: b@x.example\r\nSubject: long\r\n\r\n" + text
		benchBuiltin(b, []*mailmsg.Message{mailmsg.Parse([]byte(raw))})
	})
	if dir := os.Getenv("MAILASSIST_CORPUS"); dir != "" {
		b.Run("corpus", func(b *testing.B) {
			files, _ := filepath.Glob(filepath.Join(dir, "ham", "*.eml"))
			if len(files) == 0 {
				b.Skipf("no ham/*.eml in %s", dir)
			}
			benchBuiltin(b, parseFiles(b, files))
		})
	}
}

func parseFiles(b *testing.B, files []string) []*mailmsg.Message {
	var msgs []*mailmsg.Message
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, mailmsg.Parse(raw))
	}
	return msgs
}

func benchBuiltin(b *testing.B, msgs []*mailmsg.Message) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Builtin(msgs[i%len(msgs)])
	}
}

// BenchmarkTrigger measures the trigger per message, already parsed: on
// the fixtures (all languages), and on the ham of MAILASSIST_CORPUS when
// it is set.
func BenchmarkTrigger(b *testing.B) {
	files, _ := filepath.Glob("testdata/*/*.eml")
	more, _ := filepath.Glob("testdata/lang/*/*.eml")
	b.Run("fixtures", func(b *testing.B) { benchTrigger(b, parseFiles(b, append(files, more...))) })
	if dir := os.Getenv("MAILASSIST_CORPUS"); dir != "" {
		b.Run("corpus", func(b *testing.B) {
			files, _ := filepath.Glob(filepath.Join(dir, "ham", "*.eml"))
			if len(files) == 0 {
				b.Skipf("no ham/*.eml in %s", dir)
			}
			benchTrigger(b, parseFiles(b, files))
		})
	}
}

func benchTrigger(b *testing.B, msgs []*mailmsg.Message) {
	b.ReportAllocs()
	o := TriggerOptions{Own: []string{"sam@example.org"}}
	for i := 0; b.Loop(); i++ {
		Trigger(msgs[i%len(msgs)], false, o)
	}
}

// The intents the user keeps rank higher and those they delete lower,
// never out of the offer: a yes/no question keeps its yes and its no.
func TestBuiltinRanked(t *testing.T) {
	m := fixture(t, "builtin/reschedule.eml")
	plain := Builtin(m)
	if len(plain) == 0 || plain[0].Intent != IntentYes {
		t.Fatalf("without weights: %+v, want yes first", plain)
	}
	intents := func(ss []Suggestion) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Intent)
		}
		return out
	}
	deleted := BuiltinRanked(m, map[string]float64{IntentYes: draft.IntentWeight(0, 20)})
	got := intents(deleted)
	if got[0] == IntentYes || !slices.Contains(got, IntentYes) || !slices.Contains(got, IntentNo) {
		t.Errorf("yes always deleted: %v, want yes lower but still offered, and a no", got)
	}
	kept := BuiltinRanked(m, map[string]float64{IntentNo: draft.IntentWeight(20, 0)})
	if got := intents(kept); got[0] != IntentNo {
		t.Errorf("no always sent: %v, want no first", got)
	}
	if got := intents(BuiltinRanked(m, map[string]float64{})); !slices.Equal(got, intents(plain)) {
		t.Errorf("empty weights change the order: %v, want %v", got, intents(plain))
	}
}
