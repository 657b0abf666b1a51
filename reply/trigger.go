package reply

import (
	"fmt"
	"math"
	"strings"
	"time"

	"mailassist/mailmsg"
)

// DefaultThreshold is the score from which Trigger suggests replies when
// TriggerOptions.Threshold is zero.
const DefaultThreshold = 0.5

// TriggerOptions describe the account a message arrived in. The zero value
// means: default threshold, own addresses unknown, no age limit.
type TriggerOptions struct {
	// Threshold is the score from which replies are suggested; 0 means
	// DefaultThreshold.
	Threshold float64
	// Own are the account's own addresses (compared case-insensitively).
	// Mail from them is never answered; whether they are in To or only in
	// Cc weighs in the score. Without them that signal is left out.
	Own []string
	// Names are the user's names as others greet them ("Carol", "Carol
	// Meyer"); optional. A greeting that uses one counts as direct
	// addressing.
	Names []string
	// MaxAge is the first-sync window: older mail is never answered.
	// 0 means no limit.
	MaxAge time.Duration
	// Now is the time MaxAge is counted from; zero means time.Now().
	Now time.Time
	// Arrived is when the message arrived (the IMAP INTERNALDATE), which a
	// sender cannot forge; zero means its Date header.
	Arrived time.Time
}

// Decision is whether a message gets reply suggestions, and why.
type Decision struct {
	Suggest bool
	// Score is how much the message expects a reply, from 0 to 1; 0 when
	// Skip is set.
	Score float64
	// Reasons explain the score, one signal each with its weight, e.g.
	// "+0.35 asks a question".
	Reasons []string
	// Skip says why the message never gets suggestions, e.g. "mailing list
	// (List-Id)"; empty when the score decided. SkipCategory returns the
	// part before the parenthesis, one of the Skip* constants.
	Skip string
}

// Weights of the signals in the score. They were chosen from what a reader
// expects of a message, not fitted to a corpus: a question alone to you in
// To reaches the default threshold; so does a request in a short personal
// message; being only in Cc, or one of many recipients, pulls it below.
const (
	wQuestion       = 0.35
	wRequest        = 0.25
	wDemand         = 0.35 // a demand or threat expects an answer as a question does
	wInTo           = 0.15
	wOnlyCc         = -0.20
	wNotListed      = -0.25
	wGreetsYou      = 0.15
	wGreetsGroup    = -0.10
	wOneRecipient   = 0.10
	wManyRecipients = -0.15 // more than 5
	wCrowd          = -0.30 // more than 15
	wShort          = 0.10  // 5 to 150 words of new text
	wLong           = -0.20 // more than 300 words: a short reply does not fit
	wVeryLong       = -0.40 // more than 1,000 words
	wHTMLOnly       = -0.15
	wNoReplyNeeded  = -0.40
)

// Trigger decides whether m deserves reply suggestions. spam is the spam
// stage's verdict. First the rules that never suggest, in order: spam,
// mail from the account's own address, mail older than MaxAge, delivery
// reports, auto-replies, mailing lists, bulk mail, no-reply senders. Then
// the score of how much m expects a reply, from its new text (quoted
// history left out) and its recipients; Suggest is Score >= Threshold.
func Trigger(m *mailmsg.Message, spam bool, o TriggerOptions) Decision {
	if skip := skipRule(m, spam, o); skip != "" {
		return Decision{Skip: skip}
	}
	return score(m, o)
}

// score is Trigger without the skip rules.
func score(m *mailmsg.Message, o TriggerOptions) Decision {
	d, _ := scoreFeatures(m, o)
	return d
}

// scoreFeatures is score, with the features it read.
func scoreFeatures(m *mailmsg.Message, o TriggerOptions) (Decision, *features) {
	f := extract(m)
	s := scorer{}
	s.text(&f, m)
	s.recipients(m, o)
	s.greeting(&f, o.Names)
	v := math.Round(min(max(s.sum, 0), 1)*100) / 100
	return Decision{Suggest: v >= o.threshold(), Score: v, Reasons: s.reasons}, &f
}

func (o TriggerOptions) threshold() float64 {
	if o.Threshold == 0 {
		return DefaultThreshold
	}
	return o.Threshold
}

// skipRule returns why m never gets suggestions, or "".
func skipRule(m *mailmsg.Message, spam bool, o TriggerOptions) string {
	if skip := hardSkip(m, spam, o); skip != "" {
		return skip
	}
	return softSkip(m)
}

// hardSkip returns the rule, of those that keep m out of the reply
// habits too, that m matches: spam, no sender, the account's own mail,
// old mail, delivery reports, auto-replies; or "".
func hardSkip(m *mailmsg.Message, spam bool, o TriggerOptions) string {
	if spam {
		return SkipSpam
	}
	if len(m.From) == 0 {
		return SkipNoSender
	}
	for _, a := range m.From {
		if isOwn(a.Addr, o.Own) {
			return SkipOwn + " (" + strings.ToLower(a.Addr) + ")"
		}
	}
	if o.MaxAge > 0 {
		at := o.Arrived
		if at.IsZero() {
			at = m.Date
		}
		now := o.Now
		if now.IsZero() {
			now = time.Now()
		}
		if !at.IsZero() && now.Sub(at) > o.MaxAge {
			return SkipOld + " (" + at.UTC().Format(time.DateOnly) + ")"
		}
	}
	return skipMachine(m)
}

func isOwn(addr string, own []string) bool {
	for _, o := range own {
		if strings.EqualFold(strings.TrimSpace(o), addr) {
			return true
		}
	}
	return false
}

// scorer adds up signals and records each as a reason.
type scorer struct {
	sum     float64
	reasons []string
}

func (s *scorer) add(w float64, format string, args ...any) {
	s.sum += w
	s.reasons = append(s.reasons, fmt.Sprintf("%+.2f ", w)+fmt.Sprintf(format, args...))
}

// text scores what the new text asks and how personal it looks.
func (s *scorer) text(f *features, m *mailmsg.Message) {
	switch {
	case f.questions == 1:
		s.add(wQuestion, "asks a question")
	case f.questions > 1:
		s.add(wQuestion, "asks %d questions", f.questions)
	}
	if len(f.requests) > 0 {
		s.add(wRequest, "makes a request (%q)", f.requests[0])
	}
	if f.demand != "" {
		s.add(wDemand, "makes a demand or threat (%q)", f.demand)
	}
	if f.noReply {
		s.add(wNoReplyNeeded, "says no reply is needed")
	}
	switch {
	case f.words >= 5 && f.words <= 150:
		s.add(wShort, "short message (%d words)", f.words)
	case f.words > 1000:
		s.add(wVeryLong, "very long message (%d words)", f.words)
	case f.words > 300:
		s.add(wLong, "long message (%d words)", f.words)
	}
	if m.HTML && !hasPlainPart(m) {
		s.add(wHTMLOnly, "HTML only, no plain-text part")
	}
}

func hasPlainPart(m *mailmsg.Message) bool {
	for _, p := range m.Parts {
		if p.ContentType == "text/plain" && !p.IsAttachment() {
			return true
		}
	}
	return false
}

// recipients scores where the user is among the recipients and how many
// there are.
func (s *scorer) recipients(m *mailmsg.Message, o TriggerOptions) {
	if len(o.Own) > 0 {
		switch {
		case containsOwn(m.To, o.Own):
			s.add(wInTo, "you are in To")
		case containsOwn(m.Cc, o.Own):
			s.add(wOnlyCc, "you are only in Cc")
		default:
			s.add(wNotListed, "you are not in To or Cc (Bcc or an alias)")
		}
	}
	switch n := len(m.To) + len(m.Cc); {
	case n == 1:
		s.add(wOneRecipient, "one recipient")
	case n > 15:
		s.add(wCrowd, "%d recipients", n)
	case n > 5:
		s.add(wManyRecipients, "%d recipients", n)
	}
}

func containsOwn(list []mailmsg.Address, own []string) bool {
	for _, a := range list {
		if isOwn(a.Addr, own) {
			return true
		}
	}
	return false
}

// greeting scores a salutation that names the user or a group.
func (s *scorer) greeting(f *features, names []string) {
	if f.greeting == "" {
		return
	}
	for _, n := range names {
		for _, part := range strings.Fields(strings.ToLower(n)) {
			if len(part) >= 2 && hasPhrase(f.greeting, part) {
				s.add(wGreetsYou, "greets you by name")
				return
			}
		}
	}
	for _, g := range f.pack.groups {
		if hasPhrase(f.greeting, g) {
			s.add(wGreetsGroup, "greets a group (%q)", g)
			return
		}
	}
}
