package mailtext

import (
	"strings"
	"testing"
)

// reply5K is a 5 KB reply: a top post with sign-off above a long quote.
var reply5K = func() string {
	var b strings.Builder
	b.WriteString("Hi Sam,\n\nthanks for the detailed plan. A few questions before I sign off on it:\n" +
		"could we move the design review to Friday at 10:00 instead? And would it be possible to\n" +
		"invite the vendor for the second half? Let me know if that works for you.\n\n" +
		"Best regards,\nCarol Example\nHead of Operations\n\n" +
		"On Tue, Nov 24, 2026 at 11:58 AM Sam Taylor <sam@example.org> wrote:\n")
	for b.Len() < 5<<10 {
		b.WriteString("> The review covers the budget, the timeline and the staffing for the next phase.\n>\n")
	}
	return b.String()
}()

// The reply trigger runs NewText on every message.
func BenchmarkNewText(b *testing.B) {
	b.SetBytes(int64(len(reply5K)))
	b.ReportAllocs()
	for b.Loop() {
		NewText(reply5K)
	}
}

func BenchmarkSplit(b *testing.B) {
	b.SetBytes(int64(len(reply5K)))
	b.ReportAllocs()
	for b.Loop() {
		Split(reply5K)
	}
}

func BenchmarkAsks(b *testing.B) {
	text := Split(reply5K).New
	b.ReportAllocs()
	for b.Loop() {
		Asks(text, 5)
	}
}
