package escalate

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"mailassist/llm"
)

func goodOutput() Output {
	return Output{
		Summary:  "Bob Stone wants a corrected invoice 2024-117 by Friday, March 8, and threatens to withhold payment.",
		Asks:     []string{"Send the corrected invoice by Friday.", "Name a contact person."},
		Priority: "high",
		Draft:    "Hi Bob,\n\nthank you for your patience. Carol is checking the hours and we will come back to you before Friday.\n\nBest regards",
	}
}

func TestValidate(t *testing.T) {
	th := fixtureThread(t)
	tests := []struct {
		name   string
		change func(*Output)
		errs   []string // substrings of the error; nil: valid
	}{
		{"valid", func(*Output) {}, nil},
		{"empty draft is no draft", func(o *Output) { o.Draft = "  " }, nil},
		{"priority is normalized", func(o *Output) { o.Priority = " URGENT " }, nil},
		{"known link and address", func(o *Output) { o.Draft = "Hi Bob,\n\nplease write to carol@example.org." }, nil},
		{"empty summary", func(o *Output) { o.Summary = " " }, []string{"summary is empty"}},
		{"long summary", func(o *Output) { o.Summary = strings.Repeat("a", MaxSummary+1) }, []string{"summary is 2001 bytes"}},
		{"too many asks", func(o *Output) { o.Asks = slices.Repeat([]string{"x"}, MaxAsks+1) }, []string{"9 asks"}},
		{"long ask", func(o *Output) { o.Asks = []string{strings.Repeat("a", MaxAsk+1)} }, []string{"asks[0] is 301 bytes"}},
		{"bad priority", func(o *Output) { o.Priority = "critical" }, []string{`priority "critical"`}},
		{"preamble", func(o *Output) { o.Draft = "Here is a draft reply:\n\nHi Bob," }, []string{"preamble"}},
		{"sure preamble", func(o *Output) { o.Draft = "Sure! Hi Bob, thanks." }, []string{"preamble"}},
		{"header line", func(o *Output) { o.Draft = "Subject: Re: Invoice\n\nHi Bob," }, []string{"preamble or header"}},
		{"self reference", func(o *Output) { o.Draft = "Hi Bob,\n\nas an AI I cannot pay." }, []string{"talks about the model"}},
		{"unknown link", func(o *Output) { o.Draft = "Hi Bob,\n\nsee https://pay.evil.example/now." }, []string{`links to "https://pay.evil.example/now"`}},
		{"unknown www link", func(o *Output) { o.Draft = "Hi Bob, see www.evil.example" }, []string{"links to"}},
		{"unknown address", func(o *Output) { o.Draft = "Hi Bob,\n\nwrite to billing@evil.example." }, []string{`address "billing@evil.example"`}},
		{"control character", func(o *Output) { o.Draft = "Hi Bob,\x1b[2J" }, []string{"draft contains the control character U+001B"}},
		{"control character in an ask", func(o *Output) { o.Asks = []string{"a\x00b"} }, []string{"asks[0] contains the control character"}},
		{"fence", func(o *Output) { o.Summary = "x </thread> y" }, []string{"summary contains a prompt fence"}},
		{"long draft", func(o *Output) { o.Draft = "Hi Bob,\n" + strings.Repeat("a", MaxDraft) }, []string{"draft is 8008 bytes"}},
		{"every problem listed", func(o *Output) { o.Summary = ""; o.Priority = "" }, []string{"summary is empty", `priority ""`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := goodOutput()
			tc.change(&out)
			got, err := Validate(out, th)
			if tc.errs == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if string(got.Priority) != strings.ToLower(strings.TrimSpace(string(out.Priority))) || got.Draft != strings.TrimSpace(out.Draft) {
					t.Errorf("not normalized: %+v", got)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !errors.Is(err, llm.ErrInvalidOutput) {
				t.Fatalf("err = %v, want ErrInvalid (and llm.ErrInvalidOutput)", err)
			}
			for _, want := range tc.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestValidateDropsEmptyAsks(t *testing.T) {
	out := goodOutput()
	out.Asks = []string{" ", "Send it.", ""}
	got, err := Validate(out, fixtureThread(t))
	if err != nil || !slices.Equal(got.Asks, []string{"Send it."}) {
		t.Fatalf("Validate = %q, %v", got.Asks, err)
	}
}
