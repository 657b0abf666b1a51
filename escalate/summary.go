package escalate

import (
	"fmt"
	"mailassist/hardness"
	"mailassist/mailtext"
	"slices"
	"strings"
)

// Summary bounds.
const (
	maxSentenceLen  = mailtext.MaxAskLen // bytes of one sentence quoted in a summary
	defaultMaxAsks  = 5
	leadSentences   = 2 // sentences quoted from the newest message when it asks nothing
	maxSummaryNames = 4 // participants named in the summary's first line
)

// Extractive summarizes the thread for a human with its own sentences:
// a line naming the thread's size and people, then the sentences that
// carry asks (questions, requests, deadlines), newest message first, each
// attributed to its sender. When no message asks anything, the first
// sentences of the newest message stand in. At most maxAsks sentences are
// taken (default 5 when maxAsks <= 0), each cut to 300 bytes. asks are the
// same sentences without attribution.
func Extractive(t *hardness.Thread, maxAsks int) (summary string, asks []string) {
	if t == nil || len(t.Messages) == 0 {
		return "", nil
	}
	if maxAsks <= 0 {
		maxAsks = defaultMaxAsks
	}
	var lines []string
	for i := len(t.Messages) - 1; i >= 0 && len(asks) < maxAsks; i-- {
		m := t.Messages[i]
		for _, s := range sentences(m.Text) {
			if len(asks) == maxAsks {
				break
			}
			if mailtext.IsAsk(s) && !slices.Contains(asks, s) {
				asks = append(asks, s)
				lines = append(lines, senderName(m)+": "+s)
			}
		}
	}
	if len(lines) == 0 {
		newest := t.Newest()
		for i, s := range sentences(newest.Text) {
			if i == min(leadSentences, maxAsks) {
				break
			}
			lines = append(lines, senderName(newest)+": "+s)
		}
	}
	return strings.Join(append([]string{threadLine(t)}, lines...), "\n"), asks
}

// threadLine describes the thread: "Thread of 6 messages between Alice,
// Bob and 2 more; latest from Alice on 2024-03-05: <subject>".
func threadLine(t *hardness.Thread) string {
	var names []string
	for i := len(t.Messages) - 1; i >= 0; i-- {
		if n := senderName(t.Messages[i]); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	who := strings.Join(names[:min(len(names), maxSummaryNames)], ", ")
	if len(names) > maxSummaryNames {
		who += fmt.Sprintf(" and %d more", len(names)-maxSummaryNames)
	}
	newest := t.Newest()
	var b strings.Builder
	if n := t.Length(); n > 1 {
		fmt.Fprintf(&b, "Thread of %d messages between %s; latest from %s", n, who, senderName(newest))
	} else {
		fmt.Fprintf(&b, "Message from %s", senderName(newest))
	}
	if !newest.Date.IsZero() {
		b.WriteString(" on " + newest.Date.Format("2006-01-02"))
	}
	if newest.Subject != "" {
		b.WriteString(": " + mailtext.Clip(mailtext.OneLine(newest.Subject), maxSentenceLen))
	}
	return b.String()
}

func senderName(m hardness.ThreadMessage) string {
	switch {
	case m.From.Name != "":
		return mailtext.OneLine(m.From.Name)
	case m.From.Addr != "":
		return m.From.Addr
	}
	return "unknown sender"
}

// sentences are the sentences of text, each cut to maxSentenceLen.
func sentences(text string) []string {
	out := mailtext.Sentences(text)
	for i, s := range out {
		out[i] = mailtext.Clip(s, maxSentenceLen)
	}
	return out
}
