package escalate

import (
	"context"
	"errors"
	"fmt"
	"mailassist/hardness"
	"mailassist/mailtext"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mailassist/mailmsg"
)

// readThread returns the raw fixtures testdata/thread/1.eml … 6.eml.
func readThread(t *testing.T) [][]byte {
	t.Helper()
	var raws [][]byte
	for i := 1; i <= 6; i++ {
		raw, err := os.ReadFile(filepath.Join("testdata", "thread", fmt.Sprintf("%d.eml", i)))
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, raw)
	}
	return raws
}

// fixtureThread reconstructs the six-message fixture thread from memory.
func fixtureThread(t *testing.T) *hardness.Thread {
	t.Helper()
	raws := readThread(t)
	ml := MapLookup{}
	for _, raw := range raws[:5] {
		ml.Add(raw)
	}
	th, err := Reconstruct(context.Background(), mailmsg.Parse(raws[5]), ml)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

func ids(th *hardness.Thread) []string {
	var out []string
	for _, m := range th.Messages {
		out = append(out, m.MessageID)
	}
	return out
}

var fixtureIDs = []string{
	"inv117-1@client.example", "a2-9f1c@example.org", "inv117-3@client.example",
	"inv117-4@client.example", "a5-77d0@example.org", "inv117-6@client.example",
}

func TestReconstructFromMemory(t *testing.T) {
	th := fixtureThread(t)
	if got := ids(th); !slices.Equal(got, fixtureIDs) {
		t.Fatalf("thread order:\n got %v\nwant %v", got, fixtureIDs)
	}
	if th.Referenced != 5 || len(th.Missing) != 0 || th.Length() != 6 {
		t.Errorf("Referenced %d, Missing %v, Length %d; want 5, none, 6", th.Referenced, th.Missing, th.Length())
	}
	// Quotes and signatures are gone; what each sender wrote is there.
	for i, m := range th.Messages {
		for _, bad := range []string{"> ", "wrote:", "Original Message", "Sent:", "+44 20", "Best regards"} {
			if strings.Contains(m.Text, bad) {
				t.Errorf("message %d still contains %q:\n%s", i+1, bad, m.Text)
			}
		}
	}
	wantStart := []string{"Hi Alice,\n\nwe received invoice", "Hi Dana,\n\nthanks", "Hi Alice,\n\nany news?",
		"Alice,\n\nthis is the second", "Hi Bob,\n\nI'm sorry", "Alice,\n\ntwo days"}
	for i, w := range wantStart {
		if !strings.HasPrefix(th.Messages[i].Text, w) {
			t.Errorf("message %d text starts %q, want %q", i+1, mailtext.Clip(th.Messages[i].Text, 40), w)
		}
	}
	if got := th.Messages[4].Text; strings.HasSuffix(got, "Alice") {
		t.Errorf("sign-off of message 5 not stripped:\n%s", got)
	}
}

func TestReconstructMissingCyclesAndOrder(t *testing.T) {
	mk := func(id, date string, refs ...string) []byte {
		var b strings.Builder
		fmt.Fprintf(&b, "Message-ID: <%s>\r\nFrom: x@example.org\r\nSubject: s\r\n", id)
		if date != "" {
			fmt.Fprintf(&b, "Date: %s\r\n", date)
		}
		if len(refs) > 0 {
			fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", refs[len(refs)-1], strings.Join(refs, "> <"))
		}
		b.WriteString("\r\nbody\r\n")
		return []byte(b.String())
	}
	ml := MapLookup{}
	// a and b name each other (a cycle); c is missing; d has no date.
	ml.Add(mk("a", "Mon, 01 Jan 2024 10:00:00 +0000", "b"))
	ml.Add(mk("b", "Tue, 02 Jan 2024 10:00:00 +0000", "a"))
	ml.Add(mk("d", "", "a"))
	newest := mailmsg.Parse(mk("e", "Mon, 01 Jan 2024 09:00:00 +0000", "a", "b", "c", "d"))
	th, err := Reconstruct(context.Background(), newest, ml)
	if err != nil {
		t.Fatal(err)
	}
	// Undated first, then by date; the newest last although its date is earliest.
	if got, want := ids(th), []string{"d", "a", "b", "e"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	if !slices.Equal(th.Missing, []string{"c"}) || th.Referenced != 4 {
		t.Errorf("Missing %v Referenced %d, want [c] 4", th.Missing, th.Referenced)
	}
}

func TestReconstructDeepChainIsBounded(t *testing.T) {
	// A chain where each message names only its parent: depth is bounded.
	ml := MapLookup{}
	for i := 1; i <= 30; i++ {
		ml.Add([]byte(fmt.Sprintf("Message-ID: <m%d>\r\nIn-Reply-To: <m%d>\r\n\r\nx\r\n", i, i-1)))
	}
	newest := mailmsg.Parse([]byte("Message-ID: <m31>\r\nIn-Reply-To: <m30>\r\n\r\nx\r\n"))
	th, err := Reconstruct(context.Background(), newest, ml)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(th.Messages); n != maxDepth+1 {
		t.Errorf("%d messages, want %d (depth bound)", n, maxDepth+1)
	}
}

type failingLookup struct{ err error }

func (f failingLookup) ByMessageID(context.Context, string) ([]byte, string, error) {
	return nil, "", f.err
}

func TestReconstructLookupError(t *testing.T) {
	newest := mailmsg.Parse(readThread(t)[5])
	boom := errors.New("connection reset")
	_, err := Reconstruct(context.Background(), newest, MapLookup{}, failingLookup{boom})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want it to wrap %v", err, boom)
	}
	// A lookup that does not hold the message passes on to the next one.
	th, err := Reconstruct(context.Background(), newest, failingLookup{ErrNotFound}, MapLookup{})
	if err != nil || len(th.Missing) != 5 || len(th.Messages) != 1 {
		t.Fatalf("err %v, missing %d, messages %d; want nil, 5, 1", err, len(th.Missing), len(th.Messages))
	}
}

func TestBound(t *testing.T) {
	mkThread := func(sizes ...int) *hardness.Thread {
		th := &hardness.Thread{}
		for i, n := range sizes {
			th.Messages = append(th.Messages, hardness.ThreadMessage{MessageID: fmt.Sprint(i), Text: strings.Repeat("word ", n/5), Date: time.Unix(int64(i), 0)})
		}
		return th
	}
	tests := []struct {
		name      string
		sizes     []int // bytes of text per message, oldest first
		budget    int
		keep      []string
		truncated string // id of the message that was cut, or ""
		omitted   int
	}{
		{"fits", []int{400, 400, 400}, 1000, []string{"0", "1", "2"}, "", 0},
		{"oldest cut", []int{2000, 400, 400}, 500, []string{"0", "1", "2"}, "0", 0},
		{"oldest dropped", []int{2000, 2000, 400, 400}, 330, []string{"2", "3"}, "", 2},
		{"newest alone too big", []int{400, 20000}, 1000, []string{"1"}, "1", 1},
		{"no budget", []int{20000, 20000}, 0, []string{"0", "1"}, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			th := mkThread(tc.sizes...)
			Bound(th, tc.budget)
			if got := ids(th); !slices.Equal(got, tc.keep) {
				t.Fatalf("kept %v, want %v", got, tc.keep)
			}
			if th.Omitted != tc.omitted {
				t.Errorf("Omitted %d, want %d", th.Omitted, tc.omitted)
			}
			total := 0
			for _, m := range th.Messages {
				total += EstimateTokens(m.Text) + perMessageTokens
				if m.Truncated != (m.MessageID == tc.truncated) {
					t.Errorf("message %s Truncated = %v", m.MessageID, m.Truncated)
				}
				if m.Truncated && !strings.HasSuffix(m.Text, "[…]") {
					t.Errorf("cut message %s does not say so", m.MessageID)
				}
			}
			if tc.budget > 0 && total > tc.budget+minTruncateTokens+perMessageTokens {
				t.Errorf("%d tokens after Bound(%d)", total, tc.budget)
			}
			// Kept messages other than the cut one are whole.
			for _, m := range th.Messages {
				if !m.Truncated && len(m.Text) != len(strings.Repeat("word ", tc.sizes[mustAtoi(m.MessageID)]/5)) {
					t.Errorf("message %s was changed", m.MessageID)
				}
			}
		})
	}
}

func mustAtoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}

func TestScoreFixtureThread(t *testing.T) {
	s, err := hardness.NewScorer(hardness.DefaultScoreConfig())
	if err != nil {
		t.Fatal(err)
	}
	a := s.Score(fixtureThread(t), hardness.Signals{})
	if !a.Escalate {
		t.Fatalf("the fixture thread does not escalate: %+v", a)
	}
	for _, w := range []string{hardness.ReasonThreadLength, hardness.ReasonParticipants, hardness.ReasonComplaint, hardness.ReasonLegal, hardness.ReasonMoney} {
		if !slices.Contains(a.Names(), w) {
			t.Errorf("reason %s missing: %+v", w, a.Reasons)
		}
	}
	// Heaviest first.
	for i := 1; i < len(a.Reasons); i++ {
		if a.Reasons[i].Weight > a.Reasons[i-1].Weight {
			t.Errorf("reasons not sorted: %+v", a.Reasons)
		}
	}
}
