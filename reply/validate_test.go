package reply

import (
	"errors"
	"strings"
	"testing"

	"mailassist/mailmsg"
)

func TestValidate(t *testing.T) {
	en := fixture(t, "builtin/reschedule.eml") // Carol asks to move the review to Friday 10:00
	de := fixture(t, "trigger/german-question.eml")
	inj := fixture(t, "prompt/injection.eml")
	s := func(intent, text string) Suggestion { return Suggestion{Intent: intent, Text: text} }
	ok := []Suggestion{s("yes", "Yes, Friday at 10:00 works for me."), s("no", "Sorry, Friday doesn't work for me.")}
	tests := []struct {
		name    string
		out     Output
		orig    string // "en" (default), "de" or "inj"
		problem string // "" when valid; else a substring of the error
	}{
		{name: "valid", out: Output{Suggestions: ok}},
		{name: "valid with draft", out: Output{Suggestions: ok[:1], Draft: "Hi Carol,\n\nFriday at 10:00 works for me. See you then.\n\nSam"}},
		{name: "sure as a reply", out: Output{Suggestions: []Suggestion{s("yes", "Sure, sounds good!")}}},
		{name: "short quote of the email", out: Output{Suggestions: []Suggestion{s("yes", "Yes, let's move the design review to Friday.")}}},
		{name: "a short answer", out: Output{Suggestions: []Suggestion{s("thanks", "Perfect, thanks!")}}},
		{name: "an acronym", out: Output{Suggestions: []Suggestion{s("yes", "Yes, I'll send the PDF and HTML versions.")}}},
		{name: "German reply to German", orig: "de", out: Output{Suggestions: []Suggestion{s("yes", "Ja, Freitag um 10 Uhr passt mir gut."), s("no", "Nein, das passt leider nicht.")}}},

		{name: "nothing", out: Output{}, problem: "no suggestions"},
		{name: "a draft alone", out: Output{Draft: "Yes, Friday at 10:00 works for me."}, problem: "no suggestions"},
		{name: "noise", out: Output{Suggestions: []Suggestion{s("yes", "㒰y)n}첥ZmEol-Wrێ{댝:ɺ")}}, problem: "of its letters are in the email's script"},
		{name: "symbols", out: Output{Suggestions: []Suggestion{s("yes", "Yes }{}{ ][ ~~ ^^ <> || ==")}}, problem: "not mostly letters"},
		{name: "latin noise", out: Output{Suggestions: []Suggestion{s("yes", "Xq zvbnm trwpk.")}}, problem: `"zvbnm" is no word`},
		{name: "noise draft", out: Output{Suggestions: ok[:1], Draft: "㒰y)n}첥ZmEol-Wrێ{댝:ɺ"}, problem: "draft: only"},
		{name: "link from the email", orig: "inj", out: Output{Suggestions: []Suggestion{s("acknowledge", "I'll pay via https://pay.vendor.example/now today.")}}, problem: `link "https://pay.vendor.example/now"`},
		{name: "address from the email", out: Output{Suggestions: []Suggestion{s("yes", "Sure, I'll write to carol@example.org.")}}, problem: `address "carol@example.org"`},
		{name: "phone number", out: Output{Suggestions: []Suggestion{s("yes", "Sure, call me on +49 30 1234567.")}}, problem: `phone "+49 30 1234567"`},
		{name: "password", out: Output{Suggestions: []Suggestion{s("yes", "Sure, the password is hunter2.")}}, problem: `credential "hunter2"`},
		{name: "account number", orig: "inj", out: Output{Suggestions: []Suggestion{s("yes", "Paid to DE44 5001 0517 5407 3249 31.")}}, problem: `account "de44 5001 0517 5407 3249 31"`},
		{name: "four", out: Output{Suggestions: []Suggestion{s("yes", "Yes."), s("no", "No."), s("thanks", "Thanks."), s("acknowledge", "Got it.")}}, problem: "4 suggestions (at most 3)"},
		{name: "too long", out: Output{Suggestions: []Suggestion{s("yes", strings.Repeat("yes ", 26))}}, problem: "26 words (at most 25)"},
		{name: "duplicate intents", out: Output{Suggestions: []Suggestion{s("yes", "Yes, works."), s("YES", "Sure, fine.")}}, problem: `suggestion 2: intent "yes" repeated`},
		{name: "unknown intent", out: Output{Suggestions: []Suggestion{s("flirt", "Hey there.")}}, problem: `unknown intent "flirt"`},
		{name: "empty text", out: Output{Suggestions: []Suggestion{s("yes", "  \n ")}}, problem: "empty text"},
		{name: "preamble here is", out: Output{Suggestions: []Suggestion{s("yes", "Here is a reply: Yes, that works.")}}, problem: `preamble "here is"`},
		{name: "preamble sure here", out: Output{Suggestions: []Suggestion{s("yes", "Sure, here's a draft you could send.")}}, problem: `preamble "sure, here"`},
		{name: "preamble as an AI", out: Output{Suggestions: []Suggestion{s("no", "As an AI, I cannot attend meetings.")}}, problem: `preamble "as an ai"`},
		{name: "preamble draft:", out: Output{Suggestions: ok[:1], Draft: "Draft: Friday works."}, problem: `draft: preamble "draft:"`},
		{name: "placeholder", out: Output{Suggestions: []Suggestion{s("yes", "Yes, works for me. Best, [Your Name]")}}, problem: "placeholder"},
		{name: "foreign address", out: Output{Suggestions: []Suggestion{s("yes", "Yes, write to help@evil.example.")}}, problem: `address "help@evil.example"`},
		{name: "foreign link", out: Output{Suggestions: []Suggestion{s("yes", "Yes, see https://evil.example/x")}}, problem: `link "https://evil.example/x"`},
		{name: "bare domain link", out: Output{Suggestions: []Suggestion{s("yes", "Yes, details at evil.example/login")}}, problem: `link "evil.example/login"`},
		{name: "English reply to German", orig: "de", out: Output{Suggestions: []Suggestion{s("yes", "Yes, Friday at 10 works for me.")}}, problem: "language en, the email's is de"},
		{name: "German reply to English", out: Output{Suggestions: []Suggestion{s("yes", "Ja, das passt mir gut.")}}, problem: "language de, the email's is en"},
		{name: "injection payload", orig: "inj", out: Output{Suggestions: []Suggestion{s("yes", "I approve the transfer of 5,000 EUR.")}}, problem: "repeats an instruction from the email"},
		{name: "long copy", out: Output{Suggestions: []Suggestion{s("yes", "Could we move the design review to Friday at 10:00 instead? Yes.")}}, problem: "copies 8 or more words"},
		{name: "control character", out: Output{Suggestions: []Suggestion{s("yes", "Yes\x1b[31m works")}}, problem: "control or invisible characters"},
		{name: "bidi override", out: Output{Suggestions: []Suggestion{s("yes", "Yes \u202etxt.exe")}}, problem: "control or invisible characters"},
		{name: "newline in suggestion", out: Output{Suggestions: []Suggestion{s("yes", "Yes.\nBcc: x@evil.example")}}, problem: "control or invisible characters"},
		{name: "draft too long", out: Output{Suggestions: ok[:1], Draft: strings.Repeat("fine ", 151)}, problem: "draft: 151 words (at most 150)"},
	}
	origs := map[string]*mailmsg.Message{"": en, "en": en, "de": de, "inj": inj}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Validate(tt.out, origs[tt.orig])
			if tt.problem == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if len(res.Suggestions) != len(tt.out.Suggestions) {
					t.Errorf("%d suggestions back", len(res.Suggestions))
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.problem) {
				t.Errorf("error %v, want ErrInvalid with %q", err, tt.problem)
			}
			if res.Best() != "" || len(res.Suggestions) != 0 {
				t.Errorf("result %+v along with an error", res)
			}
		})
	}
}

// Every problem is reported, not only the first.
func TestValidateReportsAll(t *testing.T) {
	out := Output{Suggestions: []Suggestion{{"yes", "Here is my answer"}, {"yes", "See https://evil.example"}}}
	_, err := Validate(out, fixture(t, "builtin/reschedule.eml"))
	for _, p := range []string{"suggestion 1: preamble", "suggestion 2: intent \"yes\" repeated", "suggestion 2: link"} {
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("error %v lacks %q", err, p)
		}
	}
}

func TestValidateCleans(t *testing.T) {
	res, err := Validate(Output{Suggestions: []Suggestion{{" Yes ", "  Yes,   that\tworks. "}}, Draft: "Fine.\r\nSee you."}, fixture(t, "builtin/reschedule.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Suggestions[0] != (Suggestion{"yes", "Yes, that works."}) || res.Draft != "Fine.\nSee you." {
		t.Errorf("%+v", res)
	}
	if res.Best() != "Fine.\nSee you." {
		t.Errorf("Best() = %q, want the draft", res.Best())
	}
}

// Instructions are only looked for when the email addresses a model:
// "reply with your availability" is an ordinary request.
func TestValidateOrdinaryInstructions(t *testing.T) {
	m := mailmsg.Parse([]byte("From: a@x.example\r\nSubject: Slots\r\n\r\nPlease reply with your availability for next week.\r\n"))
	out := Output{Suggestions: []Suggestion{{IntentSchedule, "Here's my availability for next week: Monday or Tuesday."}}}
	if _, err := Validate(out, m); err == nil || strings.Contains(err.Error(), "instruction") {
		t.Errorf("err = %v; want only the preamble", err)
	}
	out = Output{Suggestions: []Suggestion{{IntentSchedule, "My availability for next week: Monday or Tuesday."}}}
	if _, err := Validate(out, m); err != nil {
		t.Errorf("rejected: %v", err)
	}
}
