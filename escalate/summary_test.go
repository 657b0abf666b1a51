package escalate

import (
	"mailassist/hardness"
	"mailassist/mailmsg"
	"mailassist/mailtext"
	"slices"
	"strings"
	"testing"
)

func TestExtractiveFixtureThread(t *testing.T) {
	summary, asks := Extractive(fixtureThread(t), 4)
	want := []string{
		"Please send the corrected invoice by Friday, March 8.",
		"Can you also confirm who will be our contact from now on?",
		"I'd like a corrected invoice and an explanation of how this happened.",
		"any news?",
	}
	if !slices.Equal(asks, want) {
		t.Errorf("asks:\n got %q\nwant %q", asks, want)
	}
	first, _, _ := strings.Cut(summary, "\n")
	if want := "Thread of 6 messages between Bob Stone, Alice Example, Dana Miller; latest from Bob Stone on 2024-03-06: RE: Invoice 2024-117"; first != want {
		t.Errorf("first line:\n got %q\nwant %q", first, want)
	}
	if !strings.Contains(summary, "Bob Stone: Please send the corrected invoice by Friday, March 8.") ||
		!strings.Contains(summary, "Dana Miller: any news?") {
		t.Errorf("asks are not attributed:\n%s", summary)
	}
	if strings.Contains(summary, "withhold") {
		t.Errorf("a sentence without an ask is in the summary:\n%s", summary)
	}
}

func TestExtractive(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		maxAsks  int
		asks     []string
		contains string
	}{
		{"question", "Hi,\n\nthe build is green again. Can you deploy it?\n\nThanks", 0,
			[]string{"Can you deploy it?"}, "Pat: Can you deploy it?"},
		{"request and deadline", "The report is attached. Please review section 2. We need the numbers by Monday.", 0,
			[]string{"Please review section 2.", "We need the numbers by Monday."}, ""},
		{"list items", "Open points:\n- update the contract\n- could you book the room\n- lunch", 0,
			[]string{"could you book the room"}, ""},
		{"abbreviations do not split", "Could you call Dr. Smith, e.g. at 3 p.m. tomorrow?", 0,
			[]string{"Could you call Dr. Smith, e.g. at 3 p.m. tomorrow?"}, ""},
		{"no asks: lead sentences", "The meeting went well. Everyone agreed. The minutes follow next week.", 0,
			nil, "Pat: The meeting went well.\nPat: Everyone agreed."},
		{"bounded", "Can you a? Can you b? Can you c? Can you d?", 2,
			[]string{"Can you a?", "Can you b?"}, ""},
		{"a long sentence is cut", "Could you " + strings.Repeat("really ", 80) + "help?", 0,
			[]string{"Could you " + strings.Repeat("really ", 80)[:maxSentenceLen-len("Could you ")-len("…")-1] + "…"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			summary, asks := Extractive(msgThread("Subject: s\n", tc.body), tc.maxAsks)
			if !slices.Equal(asks, tc.asks) {
				t.Errorf("asks:\n got %q\nwant %q", asks, tc.asks)
			}
			if !strings.Contains(summary, tc.contains) {
				t.Errorf("summary does not contain %q:\n%s", tc.contains, summary)
			}
			if !strings.HasPrefix(summary, "Message from Pat: s") {
				t.Errorf("summary starts %q", summary)
			}
		})
	}
	if s, a := Extractive(&hardness.Thread{}, 3); s != "" || a != nil {
		t.Errorf("empty thread: %q %q", s, a)
	}
}

func FuzzStripAndSummarize(f *testing.F) {
	for _, s := range []string{
		"Yes.\n\nOn Mon, 4 Mar 2024, Bob wrote:\n> ok?",
		"a\n-- \nsig", "Thanks,\nBob", "From: x\nSent: y\n", "-----Original Message-----",
		"Could you call Dr. Smith, e.g. at 3 p.m.?", "é?\x00.!?", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		own := mailtext.Split(s).New
		if len(own) > len(s) {
			t.Fatalf("stripping grew the text: %d > %d", len(own), len(s))
		}
		th := &hardness.Thread{Messages: []hardness.ThreadMessage{{Text: own}}}
		_, asks := Extractive(th, 3)
		if len(asks) > 3 {
			t.Fatalf("%d asks", len(asks))
		}
		for _, a := range asks {
			if len(a) > maxSentenceLen {
				t.Fatalf("ask of %d bytes", len(a))
			}
		}
	})
}

// msgThread is a one-message thread from a header block and a body.
func msgThread(header, body string) *hardness.Thread {
	if !strings.Contains(header, "From:") {
		header = "From: Pat <pat@example.net>\n" + header
	}
	if !strings.Contains(header, "To:") {
		header += "To: Alice <alice@example.org>\n"
	}
	raw := strings.ReplaceAll(header+"\n"+body, "\n", "\r\n")
	return hardness.NewThread(mailmsg.Parse([]byte(raw)), "INBOX")
}
