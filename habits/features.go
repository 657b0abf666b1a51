package habits

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Features of the model, each a number read from the message and the
// history before it. Log counts are ln(1+n).
const (
	fBias           = iota
	fContent        // the content score minus its threshold, ×4 (−4..4)
	fList           // mailing-list headers
	fBulk           // bulk-mail headers
	fNoReply        // a no-reply sender
	fQuestion       // the new text asks a question
	fRequest        // … makes a request or a demand
	fDirect         // the user is the only recipient in To
	fCc             // the user is only in Cc
	fHidden         // the user is in neither To nor Cc
	fCrowd          // log2 of the recipients, beyond one
	fInternal       // the sender is in one of the user's domains
	fSenderAnswered // log count of the sender's messages the user answered
	fSenderIgnored  // … did not answer
	fSenderWrote    // log count of messages the user sent to the sender
	fSenderNew      // the sender is not in the history at all
	fSenderFast     // 1/(1 + mean answer delay in days)
	fSenderRecent   // e^(−days since the user last answered or wrote to the sender / 30)
	fDomainAnswered // as the sender's, for the sender's domain
	fDomainIgnored
	fDomainWrote
	fListAnswered // as the sender's, for the list
	fListIgnored
	fThreadStarted  // the user started the thread
	fThreadWrote    // log count of the user's messages in the thread
	fAnswersYou     // the message answers one of the user's
	fThreadAnswered // log count of the thread's messages the user answered
	fThreadIgnored
	NumFeatures
)

// names of the features, for reasons and the model's description.
var featureNames = [NumFeatures]string{
	"bias", "content", "list", "bulk", "no_reply", "question", "request", "direct", "cc", "hidden", "crowd",
	"internal", "sender_answered", "sender_ignored", "sender_wrote", "sender_new", "sender_fast", "sender_recent",
	"domain_answered", "domain_ignored", "domain_wrote", "list_answered", "list_ignored",
	"thread_started", "thread_wrote", "answers_you", "thread_answered", "thread_ignored",
}

// FeatureName returns the name of feature i.
func FeatureName(i int) string { return featureNames[i] }

// lookup is what features reads of one message's history: the entries
// found (nil when absent), and the answers to the thread questions.
type lookup struct {
	sender, domain, list, thread *Stat
	started, answersYou          bool
	now                          uint32
}

func (p *Profile) lookup(m *Message) lookup {
	l := lookup{now: max(stamp(m.At), p.clock)}
	if s, ok := p.senders.find(KeyOf(m.From)); ok {
		l.sender = s
	}
	if d := domainOf(m.From); d != "" {
		if s, ok := p.domains.find(KeyOf(d)); ok {
			l.domain = s
		}
	}
	if m.List != "" {
		if s, ok := p.lists.find(KeyOf(m.List)); ok {
			l.list = s
		}
	}
	if len(m.InReplyTo)+len(m.References) > 0 {
		root := threadRoot("", m.InReplyTo, m.References)
		if s, ok := p.threads.find(KeyOf(root)); ok {
			l.thread = s
		}
		_, l.started = p.sentIDs.at(short(KeyOf(root)))
		parents := m.InReplyTo
		if len(parents) == 0 {
			parents = m.References[len(m.References)-1:]
		}
		for _, id := range parents {
			if _, ok := p.sentIDs.at(short(KeyOf(id))); ok {
				l.answersYou = true
			}
		}
	}
	return l
}

func logCount(n uint16) float64 { return math.Log1p(float64(n)) }

// features returns the model's input for m.
func (p *Profile) features(m *Message, l *lookup) (x [NumFeatures]float64) {
	c := &m.Cues
	x[fBias] = 1
	x[fContent] = min(max((c.Score-c.Threshold)*4, -4), 4)
	switch c.Soft {
	case SoftList:
		x[fList] = 1
	case SoftBulk:
		x[fBulk] = 1
	case SoftNoReply:
		x[fNoReply] = 1
	}
	x[fQuestion] = b2f(c.Question)
	x[fRequest] = b2f(c.Request)
	switch c.Addressing {
	case AddrDirect:
		x[fDirect] = 1
	case AddrCc:
		x[fCc] = 1
	case AddrHidden:
		x[fHidden] = 1
	}
	if c.Recipients > 1 {
		x[fCrowd] = min(math.Log2(float64(c.Recipients)), 6)
	}
	x[fInternal] = b2f(m.Internal)
	if s := l.sender; s != nil {
		x[fSenderAnswered], x[fSenderIgnored], x[fSenderWrote] = logCount(s.Answered), logCount(s.Ignored), logCount(s.Wrote)
		if s.Answered > 0 {
			x[fSenderFast] = 1 / (1 + float64(s.DelayHours)/float64(s.Answered)/24)
		}
		if last := max(s.LastAnswer, s.LastWrote); last > 0 && l.now >= last {
			x[fSenderRecent] = math.Exp(-float64(l.now-last) / (30 * 24 * 60))
		}
	} else {
		x[fSenderNew] = 1
	}
	if s := l.domain; s != nil {
		x[fDomainAnswered], x[fDomainIgnored], x[fDomainWrote] = logCount(s.Answered), logCount(s.Ignored), logCount(s.Wrote)
	}
	if s := l.list; s != nil {
		x[fListAnswered], x[fListIgnored] = logCount(s.Answered), logCount(s.Ignored)
	}
	x[fThreadStarted] = b2f(l.started)
	x[fAnswersYou] = b2f(l.answersYou)
	if s := l.thread; s != nil {
		x[fThreadWrote], x[fThreadAnswered], x[fThreadIgnored] = logCount(s.Wrote), logCount(s.Answered), logCount(s.Ignored)
	}
	return x
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Prediction is the personal trigger's verdict on one message.
type Prediction struct {
	// Score is the chance that the user answers, 0..1.
	Score float64
	x     [NumFeatures]float64
	w     [NumFeatures]float64
	// the sender's, domain's, thread's and list's entries (zero when absent)
	sender, domain, thread, list Stat
	from, listID                 string
}

// Predict returns how likely the user is to answer m, from p's history
// and model. p is not changed.
func (p *Profile) Predict(m *Message) Prediction {
	l := p.lookup(m)
	x := p.features(m, &l)
	return Prediction{Score: p.Model.score(&x), x: x, w: p.Model.W, from: m.From, listID: m.List,
		sender: zeroIfNil(l.sender), domain: zeroIfNil(l.domain), thread: zeroIfNil(l.thread), list: zeroIfNil(l.list)}
}

// Reasons explains a prediction: the features that moved it most, each
// with its weight times its value (in log-odds), largest first; at most
// max. The content cues are one reason ("content cues").
func (pr *Prediction) Reasons(max int) []string {
	type contrib struct {
		i int
		c float64
	}
	var cs []contrib
	for i := 1; i < NumFeatures; i++ {
		if c := pr.w[i] * pr.x[i]; math.Abs(c) >= 0.05 {
			cs = append(cs, contrib{i, c})
		}
	}
	slices.SortStableFunc(cs, func(a, b contrib) int { return cmp.Compare(math.Abs(b.c), math.Abs(a.c)) })
	if len(cs) > max {
		cs = cs[:max]
	}
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%+.2f %s", c.c, pr.describe(c.i)))
	}
	return out
}

// describe says in words what feature i holds for this message.
func (pr *Prediction) describe(i int) string {
	s, d, t, li := &pr.sender, &pr.domain, &pr.thread, &pr.list
	switch i {
	case fContent:
		return "content cues"
	case fList:
		return "mailing list"
	case fBulk:
		return "bulk mail"
	case fNoReply:
		return "no-reply sender"
	case fQuestion:
		return "asks a question"
	case fRequest:
		return "makes a request"
	case fDirect:
		return "you are the only recipient"
	case fCc:
		return "you are only in Cc"
	case fHidden:
		return "you are not in To or Cc"
	case fCrowd:
		return "many recipients"
	case fInternal:
		return "from your own domain"
	case fSenderAnswered:
		return fmt.Sprintf("you answered %s %d times", pr.from, s.Answered)
	case fSenderIgnored:
		return fmt.Sprintf("you left %d messages of %s unanswered", s.Ignored, pr.from)
	case fSenderWrote:
		return fmt.Sprintf("you wrote to %s %d times", pr.from, s.Wrote)
	case fSenderNew:
		return "a sender new to you"
	case fSenderFast:
		return fmt.Sprintf("you answer %s within %.0f hours on average", pr.from, float64(s.DelayHours)/float64(max(s.Answered, 1)))
	case fSenderRecent:
		return fmt.Sprintf("you were in touch with %s recently", pr.from)
	case fDomainAnswered:
		return fmt.Sprintf("you answered %s's domain %d times", pr.from, d.Answered)
	case fDomainIgnored:
		return fmt.Sprintf("you left %d messages from %s's domain unanswered", d.Ignored, pr.from)
	case fDomainWrote:
		return fmt.Sprintf("you wrote to %s's domain %d times", pr.from, d.Wrote)
	case fListAnswered:
		return fmt.Sprintf("you answered list %s %d times", pr.listID, li.Answered)
	case fListIgnored:
		return fmt.Sprintf("you left %d messages of list %s unanswered", li.Ignored, pr.listID)
	case fThreadStarted:
		return "a thread you started"
	case fThreadWrote:
		return fmt.Sprintf("you wrote %d times in this thread", t.Wrote)
	case fAnswersYou:
		return "answers your message"
	case fThreadAnswered:
		return fmt.Sprintf("you answered %d messages of this thread", t.Answered)
	case fThreadIgnored:
		return fmt.Sprintf("you left %d messages of this thread unanswered", t.Ignored)
	}
	return featureNames[i]
}

func zeroIfNil(s *Stat) Stat {
	if s == nil {
		return Stat{}
	}
	return *s
}
