package escalate

import (
	"fmt"
	"mailassist/bus"
	"mailassist/hardness"
	"mailassist/lang"
	"mailassist/mailtext"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"mailassist/llm"
	"mailassist/mailmsg"
)

// ErrInvalid is the error of output that fails validation. It wraps
// llm.ErrInvalidOutput, so errors.Is matches either.
var ErrInvalid = fmt.Errorf("escalation: %w", llm.ErrInvalidOutput)

// Limits of the large model's answer, in bytes.
const (
	MaxSummary = 2000
	MaxAsks    = 8
	MaxAsk     = 300
	MaxDraft   = 8000
)

var priorities = []string{string(bus.PriorityLow), string(bus.PriorityNormal), string(bus.PriorityHigh), string(bus.PriorityUrgent)}

// preambleRE matches a first line that talks about the draft instead of
// being it, or a header line.
var preambleRE = regexp.MustCompile(`(?i)^\s*(here('s| is| are)\b|sure\b|certainly\b|of course\b|absolutely\b|okay\b|ok[,.!]|` +
	`(below|following) is\b|i('ve| have) (drafted|written)\b|draft( reply| response)?\s*:|` +
	`(subject|to|from|cc|bcc|date)\s*:)`)

// selfRefRE matches a model talking about itself anywhere in the draft.
var selfRefRE = regexp.MustCompile(`(?i)\bas an ai\b|\bas a language model\b|\bi am an ai\b|\bi'm an ai\b`)

// Validate checks and normalizes the large model's answer for thread t.
// It trims white space, lower-cases the priority, drops empty asks and
// turns CRLF into LF, then requires: a summary of at most 2000 bytes;
// at most 8 asks of at most 300 bytes; a known priority; a draft (which
// may be empty: no reply needed) of at most 8000 bytes that starts
// without a preamble or header line, is in the newest message's language
// when both are known, and carries no link, e-mail address, phone or
// account number or credential (mailtext.FindSensitive) that userText —
// what the user wrote in the thread (UserText) — does not hold: what the
// other people wrote is no licence; no control characters anywhere; no
// imitation of the prompt's fences. The error wraps ErrInvalid and lists
// every problem.
func Validate(out Output, t *hardness.Thread, userText string) (Output, error) {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }

	out.Summary = strings.TrimSpace(strings.ReplaceAll(out.Summary, "\r\n", "\n"))
	switch {
	case out.Summary == "":
		bad("summary is empty")
	case len(out.Summary) > MaxSummary:
		bad("summary is %d bytes, more than %d", len(out.Summary), MaxSummary)
	}
	checkText(bad, "summary", out.Summary)

	asks := make([]string, 0, len(out.Asks))
	for _, a := range out.Asks {
		if a = strings.TrimSpace(a); a != "" {
			asks = append(asks, a)
		}
	}
	out.Asks = asks
	if len(asks) > MaxAsks {
		bad("%d asks, more than %d", len(asks), MaxAsks)
	}
	for i, a := range asks {
		if len(a) > MaxAsk {
			bad("asks[%d] is %d bytes, more than %d", i, len(a), MaxAsk)
		}
		checkText(bad, fmt.Sprintf("asks[%d]", i), a)
	}

	out.Priority = bus.Priority(strings.ToLower(strings.TrimSpace(string(out.Priority))))
	if !slices.Contains(priorities, string(out.Priority)) {
		bad("priority %q is not one of %s", out.Priority, strings.Join(priorities, ", "))
	}

	out.Draft = strings.TrimSpace(strings.ReplaceAll(out.Draft, "\r\n", "\n"))
	validateDraft(bad, out.Draft, t, userText)

	if len(probs) > 0 {
		return out, fmt.Errorf("%w: %s", ErrInvalid, strings.Join(probs, "; "))
	}
	return out, nil
}

func validateDraft(bad func(string, ...any), draft string, t *hardness.Thread, userText string) {
	if draft == "" {
		return
	}
	if len(draft) > MaxDraft {
		bad("draft is %d bytes, more than %d", len(draft), MaxDraft)
	}
	checkText(bad, "draft", draft)
	first, _, _ := strings.Cut(draft, "\n")
	if preambleRE.MatchString(first) {
		bad("draft starts with a preamble or header: %q", mailtext.Clip(first, 80))
	}
	if m := selfRefRE.FindString(draft); m != "" {
		bad("draft talks about the model: %q", m)
	}
	if want, got := newestLanguage(t), lang.Detect(draft); want.Known() && got.Known() && got != want {
		bad("draft is in %s, the newest message in %s", lang.Name(got), lang.Name(want))
	}
	for _, x := range mailtext.FindSensitive(draft) {
		if !x.Allowed(userText) {
			bad("draft carries the %s %q, which the user did not write in the thread", x.Kind, mailtext.Clip(x.Text, 120))
		}
	}
}

// newestLanguage is the language of the newest message's text, or
// lang.Unknown.
func newestLanguage(t *hardness.Thread) lang.Code {
	if t == nil {
		return lang.Unknown
	}
	return lang.Detect(t.Newest().Text)
}

// checkText reports control characters (other than line feed and tab),
// invalid UTF-8 and imitations of the prompt's fences.
func checkText(bad func(string, ...any), field, s string) {
	if !utf8.ValidString(s) {
		bad("%s is not valid UTF-8", field)
	}
	for _, r := range s {
		if r != '\n' && r != '\t' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)) {
			bad("%s contains the control character %U", field, r)
			break
		}
	}
	if fenceRE.MatchString(s) {
		bad("%s contains a prompt fence", field)
	}
}

// UserText is what the user wrote in thread t: the subject, text and
// addresses of each message from one of the user's addresses own that
// was found in the user's Sent folder sent. A message that only claims
// to come from the user (From is easy to forge) does not count, nor does
// text quoted in someone else's message.
func UserText(t *hardness.Thread, own []string, sent string) string {
	if t == nil || sent == "" {
		return ""
	}
	var b strings.Builder
	for _, m := range t.Messages {
		if !fromUser(m, own, sent) {
			continue
		}
		b.WriteString(m.From.Addr + "\n")
		for _, a := range append(append([]mailmsg.Address(nil), m.To...), m.Cc...) {
			b.WriteString(a.Addr + "\n")
		}
		b.WriteString(m.Subject + "\n" + m.Text + "\n")
	}
	return b.String()
}

func fromUser(m hardness.ThreadMessage, own []string, sent string) bool {
	return sent != "" && m.Mailbox == sent && slices.ContainsFunc(own, func(a string) bool { return strings.EqualFold(a, m.From.Addr) })
}

// Injection returns the instruction-like text aimed at an assistant
// (mailtext.Injection) in a message of t that is not the user's own
// (see UserText), or "".
func Injection(t *hardness.Thread, own []string, sent string) string {
	if t == nil {
		return ""
	}
	for _, m := range t.Messages {
		if fromUser(m, own, sent) {
			continue
		}
		if cue := mailtext.Injection(m.From.Name + "\n" + m.Subject + "\n" + m.Text); cue != "" {
			return mailtext.Clip(cue, 80)
		}
	}
	return ""
}
