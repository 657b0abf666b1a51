package reply

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mailassist/hardness"
	"mailassist/internal/golden"
	"mailassist/lang"
	"mailassist/mailmsg"
	"mailassist/mailtext"
)

// The realistic messages of testdata/lang/<code>/, per language: a
// meeting question that proposes a time, an alternative question, an ask
// for a document (formal and informal), a thank-you, a newsletter and an
// angry complaint with a legal threat.
var langKinds = []string{"meeting", "choice", "document", "document-informal", "thanks", "newsletter", "complaint"}

// langWant is what the messages of one language must get.
type langWant struct {
	when              string    // echoed in the yes to the meeting question
	options           [2]string // echoed, one per suggestion, for the choice
	formal, informal  string    // in the will-do of the formal and the informal ask
	noFormal, noInfml string    // never in them
}

var langWants = map[lang.Code]langWant{
	"en": {when: "Thursday at 3pm", options: [2]string{"Tuesday", "Wednesday"}},
	"de": {when: "Donnerstag um 15 Uhr", options: [2]string{"Dienstag", "Mittwoch"}, formal: "Ihnen", informal: "dir", noFormal: "dir", noInfml: "Ihnen"},
	"fr": {when: "Jeudi à 15 h", options: [2]string{"Mardi", "Mercredi"}, formal: "vous", informal: "t'", noFormal: "t'", noInfml: "vous"},
	"es": {when: "El jueves a las 15:00", options: [2]string{"El martes", "El miércoles"}, formal: " le ", informal: " te ", noFormal: " te ", noInfml: " le "},
	"it": {when: "Giovedì alle 15", options: [2]string{"Martedì", "Mercoledì"}, formal: " Le ", informal: " ti ", noFormal: " ti ", noInfml: " Le "},
	"pt": {when: "Quinta às 15h", options: [2]string{"Terça", "Quarta"}, informal: " te ", noFormal: " te "},
	"nl": {when: "Donderdag om 15.00 uur", options: [2]string{"Dinsdag", "Woensdag"}, formal: " u ", informal: " je ", noFormal: " je ", noInfml: " u "},
}

func TestLanguages(t *testing.T) {
	scorer, err := hardness.NewScorer(hardness.DefaultScoreConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range BuiltinLanguages() {
		want, ok := langWants[code]
		if !ok {
			t.Errorf("%s: no expectations in langWants", code)
			continue
		}
		for _, kind := range langKinds {
			t.Run(string(code)+"/"+kind, func(t *testing.T) {
				m := fixture(t, filepath.Join("lang", string(code), kind+".eml"))
				if got := lang.Detect(mailtext.NewText(m.Text)); got != code {
					t.Fatalf("language %s, want %s", got, code)
				}
				d := Trigger(m, false, sam)
				s := Builtin(m)
				a := scorer.Score(hardness.NewThread(m, "INBOX"), hardness.Signals{})
				for _, x := range s {
					if l := lang.Detect(x.Text); l != code && l != lang.Unknown {
						t.Errorf("suggestion %q is in %s", x.Text, l)
					}
				}
				checkLanguageCase(t, kind, want, d, s, a)
			})
		}
	}
}

func checkLanguageCase(t *testing.T, kind string, want langWant, d Decision, s []Suggestion, a hardness.Assessment) {
	t.Helper()
	intents := func() []string {
		var out []string
		for _, x := range s {
			out = append(out, x.Intent)
		}
		return out
	}()
	if kind != "newsletter" && kind != "thanks" && !d.Suggest {
		t.Errorf("trigger: no suggestions (score %.2f, %v)", d.Score, d.Reasons)
	}
	if kind != "complaint" && a.Escalate {
		t.Errorf("escalates (%.2f, %v)", a.Score, a.Reasons)
	}
	switch kind {
	case "meeting":
		if len(s) == 0 || s[0].Intent != IntentYes || !strings.HasPrefix(s[0].Text, want.when) || !slices.Contains(intents, IntentNo) {
			t.Errorf("suggestions %v: want a yes that starts with %q, and a no", s, want.when)
		}
	case "choice":
		if len(s) < 2 || !strings.HasPrefix(s[0].Text, want.options[0]) || !strings.HasPrefix(s[1].Text, want.options[1]) {
			t.Errorf("suggestions %v: want one per option %q", s, want.options)
		}
	case "document", "document-informal":
		if len(s) == 0 || s[0].Intent != IntentWillDo || slices.Contains(intents, IntentYes) || slices.Contains(intents, IntentNo) ||
			!slices.Contains(intents, IntentMoreInfo) {
			t.Fatalf("suggestions %v: want will-do first, need-more-info, no yes or no", s)
		}
		text := " " + s[0].Text + " "
		has, hasNot := want.formal, want.noFormal
		if kind == "document-informal" {
			has, hasNot = want.informal, want.noInfml
		}
		if has != "" && !strings.Contains(text, has) || hasNot != "" && strings.Contains(text, hasNot) {
			t.Errorf("%s: %q should say %q and not %q", kind, s[0].Text, has, hasNot)
		}
	case "thanks":
		// The trigger may or may not offer a "you're welcome" (it does when
		// the sender greets the user by name); the offer starts with one.
		if len(s) == 0 || s[0].Intent != IntentWelcome {
			t.Errorf("suggestions %v: want welcome first", s)
		}
	case "newsletter":
		if SkipCategory(d.Skip) != SkipList {
			t.Errorf("trigger skip %q, want %s", d.Skip, SkipList)
		}
	case "complaint":
		if !a.Escalate || !slices.Contains(a.Names(), hardness.ReasonLegal) {
			t.Errorf("hardness %.2f %v: want an escalation with a legal reason", a.Score, a.Names())
		}
		if !slices.ContainsFunc(d.Reasons, func(r string) bool { return strings.Contains(r, "demand or threat") }) {
			t.Errorf("trigger reasons %v: want a demand or threat", d.Reasons)
		}
	}
}

// The drafts and decisions for every message of testdata/lang are kept in
// a golden file, so that a change of a language's phrasings shows in
// review.
func TestLanguagesGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/lang/*/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	scorer, err := hardness.NewScorer(hardness.DefaultScoreConfig())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range files {
		name := strings.TrimPrefix(f, "testdata/")
		m := fixture(t, name)
		d := Trigger(m, false, sam)
		a := scorer.Score(hardness.NewThread(m, "INBOX"), hardness.Signals{})
		fmt.Fprintf(&b, "%s (%s)\n  trigger %v %.2f %s\n  hardness %.3f escalate=%v %v\n", name,
			lang.Detect(mailtext.NewText(m.Text)), d.Suggest, d.Score, d.Skip, a.Score, a.Escalate, a.Names())
		for _, s := range Builtin(m) {
			fmt.Fprintf(&b, "  %-15s %s\n", s.Intent, s.Text)
		}
	}
	golden.Check(t, filepath.Join("testdata", "lang.golden"), []byte(b.String()))
}

// Every phrasing of every language reads as that language (or is too
// short to tell), so that no suggestion looks like another language's.
func TestPhrasingsReadAsTheirLanguage(t *testing.T) {
	for code, p := range packs {
		for _, ph := range p.replies {
			text := p.fill(ph.text, "10:30", "Zoom")
			if l := lang.Detect(text); l != code && l != lang.Unknown {
				t.Errorf("%s: %q reads as %s", code, text, l)
			}
		}
	}
}

// A model's suggestion in another language than the mail's is invalid.
func TestValidateLanguage(t *testing.T) {
	for _, tt := range []struct {
		file, text string
		bad        bool
	}{
		{"lang/fr/meeting.eml", "Oui, jeudi à 15 h me convient.", false},
		{"lang/fr/meeting.eml", "Sì, giovedì alle 15 va benissimo.", true},
		{"lang/it/document.eml", "Certo, Le mando la fattura in giornata.", false},
		{"lang/it/document.eml", "Claro, le envío la factura hoy mismo.", true},
		{"lang/nl/choice.eml", "Dinsdag komt mij goed uit.", false},
		{"lang/nl/choice.eml", "Dienstag passt mir gut.", true},
		{"lang/pt/document.eml", "Claro, envio a fatura ainda hoje.", false},
		{"lang/pt/document.eml", "Sure, I'll send the invoice today.", true},
	} {
		_, err := Validate(Output{Suggestions: []Suggestion{{Intent: IntentYes, Text: tt.text}}}, fixture(t, tt.file))
		if got := err != nil && strings.Contains(err.Error(), "language"); got != tt.bad {
			t.Errorf("%s: %q: error %v, want a language problem: %v", tt.file, tt.text, err, tt.bad)
		}
	}
}

// TestDirectQuestions measures the target on the short questions
// of package lang's test sets (../lang/testdata), each sent alone to the
// user: how many get a draft (the trigger suggests, the built-in
// generator answers) in the mail's language, and that none gets one in
// another language. go test -v shows the figures.
func TestDirectQuestions(t *testing.T) {
	total, drafted, wrong := map[lang.Code]int{}, map[lang.Code]int{}, 0
	for _, file := range []string{"../lang/testdata/short.tsv", "../lang/testdata/heldout.tsv"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			code, text, ok := strings.Cut(line, "\t")
			if !ok || strings.HasPrefix(line, "#") || !strings.HasSuffix(text, "?") {
				continue
			}
			raw := fmt.Sprintf("From: Kim <kim@example.net>\r\nTo: Sam Taylor <sam@example.org>\r\nSubject: %d\r\n"+
				"Message-ID: <q%d@example.net>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", i, i, text)
			m := mailmsg.Parse([]byte(raw))
			c := lang.Code(code)
			total[c]++
			s := Builtin(m)
			if !Trigger(m, false, sam).Suggest || len(s) == 0 {
				if c != lang.Unknown {
					t.Logf("no draft (%s): %s", c, text)
				}
				continue
			}
			if c == lang.Unknown {
				// Out of the supported set: Catalan reads as Spanish (a
				// known gap, see docs/reply.md).
				t.Logf("a question in no supported language got a draft: %q -> %q", text, s[0].Text)
				continue
			}
			if l := lang.Detect(s[0].Text); l.Known() && l != c {
				wrong++
				t.Errorf("%s question %q got a draft in another language: %q", c, text, s[0].Text)
				continue
			}
			drafted[c]++
		}
	}
	var n, d int
	for _, c := range slices.Sorted(maps.Keys(total)) {
		if c == lang.Unknown {
			continue
		}
		t.Logf("%s: %d of %d direct questions get a draft in %s", c, drafted[c], total[c], c)
		n += total[c]
		d += drafted[c]
	}
	t.Logf("all: %d of %d (%.1f%%), %d in another language", d, n, 100*float64(d)/float64(n), wrong)
	if d*10 < n*9 {
		t.Errorf("%d of %d direct questions get a draft in their language, want at least 90%%", d, n)
	}
}
