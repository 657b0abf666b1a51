package hardness

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"mailassist/lang"
	"mailassist/mailmsg"
	"mailassist/setting"
)

// Reason names. A rule's reason is ReasonRulePrefix + its name.
const (
	ReasonThreadLength      = "thread_length"
	ReasonParticipants      = "participants"
	ReasonLongMessage       = "long_message"
	ReasonComplaint         = "complaint"
	ReasonLegal             = "legal"
	ReasonUrgent            = "urgent"
	ReasonMoney             = "money"
	ReasonNegativeTone      = "negative_tone"
	ReasonVIP               = "vip"
	ReasonSmallModelInvalid = "small_model_invalid"
	ReasonSmallModelUnsure  = "small_model_unsure"
	ReasonRulePrefix        = "rule:"
	// Discounts: reasons with a negative weight, which scale the content
	// reasons down.
	ReasonListMail = "list_mail"
	ReasonSpamLike = "spam_like"
)

// Weights are how much each reason counts: a weight w in [0,1] is the
// probability that this reason alone makes a thread hard, and the score
// combines them like independent chances (see Score). 0 disables a reason.
type Weights struct {
	ThreadLength      float64
	Participants      float64
	LongMessage       float64
	Complaint         float64
	Legal             float64
	Urgent            float64
	Money             float64
	NegativeTone      float64
	VIP               float64
	SmallModelInvalid float64
	SmallModelUnsure  float64
}

// fields maps reason names to the fields of Weights.
func (w *Weights) fields() map[string]*float64 {
	return map[string]*float64{
		ReasonThreadLength: &w.ThreadLength, ReasonParticipants: &w.Participants,
		ReasonLongMessage: &w.LongMessage, ReasonComplaint: &w.Complaint, ReasonLegal: &w.Legal,
		ReasonUrgent: &w.Urgent, ReasonMoney: &w.Money, ReasonNegativeTone: &w.NegativeTone,
		ReasonVIP: &w.VIP, ReasonSmallModelInvalid: &w.SmallModelInvalid, ReasonSmallModelUnsure: &w.SmallModelUnsure,
	}
}

// Set sets the weight of the reason called name (as in the config file's
// escalate.weights map). It fails for an unknown name.
func (w *Weights) Set(name string, v float64) error {
	f, ok := w.fields()[name]
	if !ok {
		return fmt.Errorf("unknown reason %q (known: %s)", name, strings.Join(ReasonNames, ", "))
	}
	*f = v
	return nil
}

// Rule is an explicit escalation rule from the config: when Pattern (a
// regular expression, case-insensitive) matches the newest message's
// subject or From ("Name <addr>"), the reason "rule:<Name>" counts with
// Weight.
type Rule struct {
	Name    string  `yaml:"name"`
	Field   string  `yaml:"field"`   // subject | from
	Pattern string  `yaml:"pattern"` // regular expression, case-insensitive
	Weight  float64 `yaml:"weight"`  // 0..1; 1 escalates alone
}

// ScoreConfig holds the weights and thresholds of the hardness score. Its
// zero value is not useful: start from DefaultScoreConfig.
type ScoreConfig struct {
	// Threshold: a thread escalates when its score is at least this.
	Threshold float64
	Weights   Weights
	// ThreadLength is the number of messages from which a thread is long.
	ThreadLength int
	// Participants is the number of distinct addresses (From, To, Cc over
	// the thread) from which a thread is multi-party.
	Participants int
	// LongMessageWords is the word count of the newest message's own text
	// (quotes and signature stripped) from which it is long.
	LongMessageWords int
	// VIP senders: addresses ("boss@example.org") or domains
	// ("@example.org"), compared case-insensitively with the From of every
	// message in the thread.
	VIP   []string
	Rules []Rule
	// ListDiscount scales the content reasons (all but vip, rules and the
	// small model's signals) of mailing-list and bulk mail by 1-ListDiscount.
	ListDiscount float64
	// SpamDiscount does the same for a message whose spam score (from the
	// spam stage) is at least SpamScoreFrom.
	SpamDiscount  float64
	SpamScoreFrom float64
}

// DefaultScoreConfig returns the shipped defaults, chosen so that one
// weak signal never escalates and two related ones do:
//
//	threshold 0.5
//	thread_length 0.30 (from 5 messages)   participants 0.30 (from 4 addresses)
//	long_message 0.15 (from 400 words)     complaint 0.40   legal 0.40
//	urgent 0.25   money 0.25   negative_tone 0.25
//	vip 0.60   small_model_invalid 0.50   small_model_unsure 0.30
//	list_mail discount 0.5   spam_like discount 0.5 (spam score from 0.7)
//
// A long multi-party thread (0.30, 0.30) scores 0.51; a complaint in
// an angry tone (0.40, 0.25) 0.55; a VIP sender or an invalid small-model
// answer escalates alone. No single content reason reaches the threshold.
func DefaultScoreConfig() ScoreConfig {
	return ScoreConfig{
		Threshold: 0.5,
		Weights: Weights{
			ThreadLength: 0.30, Participants: 0.30, LongMessage: 0.15,
			Complaint: 0.40, Legal: 0.40, Urgent: 0.25, Money: 0.25, NegativeTone: 0.25,
			VIP: 0.60, SmallModelInvalid: 0.50, SmallModelUnsure: 0.30,
		},
		ThreadLength:     5,
		Participants:     4,
		LongMessageWords: 400,
		ListDiscount:     0.5,
		SpamDiscount:     0.5,
		SpamScoreFrom:    0.7, // well above a clear ham, below the spam model's threshold (about 0.9)
	}
}

// Signals are what earlier stages learned about the message.
type Signals struct {
	// SmallModelInvalid: the reply stage's small model answered, but its
	// answer failed validation (or it never finished). The reply stage no
	// longer sets it — a failing small model falls back to the built-in
	// generator and never escalates by itself — so the reason
	// small_model_invalid only fires for an escalation event that says
	// so (an older one); its name and weight stay for config files.
	SmallModelInvalid bool
	// SmallModelLowConfidence: the small model said it was unsure.
	SmallModelLowConfidence bool
	// SpamScore is the spam stage's score (0 when unknown).
	SpamScore float64
}

// Reason is one thing that made the score: Weight is the part it
// contributed (after discounts), negative for a discount.
type Reason struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	Detail string  `json:"detail,omitempty"`
}

// Assessment is the hardness score of a thread and why.
type Assessment struct {
	Score    float64  `json:"score"` // in [0,1]
	Escalate bool     `json:"escalate"`
	Reasons  []Reason `json:"reasons,omitempty"` // heaviest first, discounts last
}

// Names returns the reason names, in order.
func (a Assessment) Names() []string {
	names := make([]string, len(a.Reasons))
	for i, r := range a.Reasons {
		names[i] = r.Name
	}
	return names
}

// Scorer computes the hardness score with one validated ScoreConfig.
type Scorer struct {
	cfg     ScoreConfig
	rules   []*regexp.Regexp
	vipAddr map[string]bool
	vipDom  map[string]bool
}

// NewScorer validates cfg and compiles its rules. The error lists every
// problem found.
func NewScorer(cfg ScoreConfig) (*Scorer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Scorer{cfg: cfg, vipAddr: map[string]bool{}, vipDom: map[string]bool{}}
	for _, r := range cfg.Rules {
		s.rules = append(s.rules, regexp.MustCompile("(?i)"+r.Pattern)) // checked by Validate
	}
	for _, v := range cfg.VIP {
		v = strings.ToLower(strings.TrimSpace(v))
		if dom, ok := strings.CutPrefix(v, "@"); ok {
			s.vipDom[dom] = true
		} else {
			s.vipAddr[v] = true
		}
	}
	return s, nil
}

// Validate checks every field and returns all problems at once, with
// the messages the config file's checks give.
func (c ScoreConfig) Validate() error {
	var errs errorList
	p := setting.NewProblems(&errs, "")
	checkThreshold(p, c.Threshold)
	for _, n := range ReasonNames {
		if w := *c.Weights.fields()[n]; !(w >= 0 && w <= 1) {
			p.Add("weights."+n, "%g is not in [0, 1]", w)
		}
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"thread_length", c.ThreadLength}, {"participants", c.Participants}, {"long_message_words", c.LongMessageWords}} {
		if f.v < 1 {
			p.Add(f.name, "%d must be at least 1", f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"list_discount", c.ListDiscount}, {"spam_discount", c.SpamDiscount}, {"spam_score_from", c.SpamScoreFrom}} {
		if !(f.v >= 0 && f.v <= 1) {
			p.Add(f.name, "%g is not in [0, 1]", f.v)
		}
	}
	checkVIP(p.In("vip"), c.VIP)
	checkRules(p.In("rules"), c.Rules)
	return errors.Join(errs...)
}

// errorList is a setting.Sink that keeps each problem as an error.
type errorList []error

func (l *errorList) Problem(path, msg string) { *l = append(*l, fmt.Errorf("%s: %s", path, msg)) }
func (l *errorList) Written(string) bool      { return true }

// Score rates how hard the thread is. Reasons are either content reasons
// (thread length, participants, message length, vocabulary, tone) or
// explicit ones (VIP, rules, the small model's signals). Each reason's
// weight w is read as an independent chance that the thread is hard and
// combined as 1 - Π(1-w), which stays in [0,1], grows with every reason
// and lets no weak one escalate alone. The content part is first scaled
// down for mailing-list and bulk mail and for spam-like mail: such mail is
// rarely a conversation the user is part of, and its vocabulary
// ("URGENT", "price", "$") is marketing more often than trouble.
func (s *Scorer) Score(t *Thread, sig Signals) Assessment {
	var content, explicit []Reason
	if t != nil && len(t.Messages) > 0 {
		content = s.contentReasons(t)
		explicit = s.explicitReasons(t)
	}
	explicit = append(explicit, s.signalReasons(sig)...)

	discount := 1.0
	var discounts []Reason
	if len(content) > 0 {
		if t.Newest().List && s.cfg.ListDiscount > 0 {
			discount *= 1 - s.cfg.ListDiscount
			discounts = append(discounts, Reason{ReasonListMail, -s.cfg.ListDiscount, "mailing-list or bulk mail"})
		}
		if sig.SpamScore >= s.cfg.SpamScoreFrom && sig.SpamScore > 0 && s.cfg.SpamDiscount > 0 {
			discount *= 1 - s.cfg.SpamDiscount
			discounts = append(discounts, Reason{ReasonSpamLike, -s.cfg.SpamDiscount, fmt.Sprintf("spam score %.2f", sig.SpamScore)})
		}
	}
	contentScore := combine(content) * discount
	for i := range content {
		content[i].Weight = round3(content[i].Weight * discount)
	}
	score := 1 - (1-contentScore)*(1-combine(explicit))
	reasons := append(content, explicit...)
	slices.SortStableFunc(reasons, func(a, b Reason) int { return -cmp.Compare(a.Weight, b.Weight) })
	reasons = append(reasons, discounts...)
	score = round3(math.Min(1, math.Max(0, score)))
	return Assessment{Score: score, Escalate: score >= s.cfg.Threshold, Reasons: reasons}
}

func combine(rs []Reason) float64 {
	keep := 1.0
	for _, r := range rs {
		keep *= 1 - r.Weight
	}
	return 1 - keep
}

func (s *Scorer) contentReasons(t *Thread) []Reason {
	w := s.cfg.Weights
	var rs []Reason
	add := func(name string, weight float64, detail string) {
		if weight > 0 {
			rs = append(rs, Reason{name, weight, detail})
		}
	}
	if n := t.Length(); n >= s.cfg.ThreadLength {
		add(ReasonThreadLength, w.ThreadLength, fmt.Sprintf("%d messages", n))
	}
	if n := participants(t); n >= s.cfg.Participants {
		add(ReasonParticipants, w.Participants, fmt.Sprintf("%d addresses", n))
	}
	newest := t.Newest()
	if n := len(strings.Fields(newest.Text)); n >= s.cfg.LongMessageWords {
		add(ReasonLongMessage, w.LongMessage, fmt.Sprintf("%d words", n))
	}
	var text strings.Builder
	text.WriteString(newest.Subject)
	for _, m := range t.Messages {
		text.WriteString("\n")
		text.WriteString(m.Text)
	}
	voc := vocabFor(threadLanguages(t))
	ix := newWordIndex(normalizeWords(text.String()), voc.negators)
	for _, v := range []struct {
		name   string
		weight float64
	}{{ReasonComplaint, w.Complaint}, {ReasonLegal, w.Legal}, {ReasonUrgent, w.Urgent}, {ReasonMoney, w.Money}, {ReasonNegativeTone, w.NegativeTone}} {
		found, strength := matchVocabulary(ix, voc.terms[v.name])
		switch v.name {
		case ReasonMoney:
			if amountRE.MatchString(text.String()) {
				found, strength = append(found, "an amount"), strength+1
			}
		case ReasonNegativeTone:
			cues := toneCues(text.String())
			found, strength = append(found, cues...), strength+len(cues)
		}
		if strength >= 2 {
			add(v.name, v.weight, quoteTerms(found))
		}
	}
	return rs
}

// threadLanguages returns the languages whose vocabularies score t:
// English (its terms turn up in mail of every language: "ASAP",
// "invoice") and the language of each message's text; every language when
// the newest message's is unknown.
func threadLanguages(t *Thread) []lang.Code {
	if lang.Detect(t.Newest().Text) == lang.Unknown {
		return VocabularyLanguages()
	}
	langs := []lang.Code{"en"}
	for _, m := range t.Messages {
		if c := lang.Detect(m.Text); c.Known() && !slices.Contains(langs, c) {
			langs = append(langs, c)
		}
	}
	slices.Sort(langs)
	return langs
}

func (s *Scorer) explicitReasons(t *Thread) []Reason {
	var rs []Reason
	if w := s.cfg.Weights.VIP; w > 0 {
		for _, m := range t.Messages {
			addr := strings.ToLower(m.From.Addr)
			if addr != "" && (s.vipAddr[addr] || s.vipDom[m.From.Domain()]) {
				rs = append(rs, Reason{ReasonVIP, w, m.From.Addr})
				break
			}
		}
	}
	newest := t.Newest()
	for i, r := range s.cfg.Rules {
		value := newest.Subject
		if r.Field == "from" {
			value = newest.From.String()
		}
		if s.rules[i].MatchString(value) {
			rs = append(rs, Reason{ReasonRulePrefix + r.Name, r.Weight, r.Field + " matches " + r.Pattern})
		}
	}
	return rs
}

func (s *Scorer) signalReasons(sig Signals) []Reason {
	var rs []Reason
	w := s.cfg.Weights
	if sig.SmallModelInvalid && w.SmallModelInvalid > 0 {
		rs = append(rs, Reason{ReasonSmallModelInvalid, w.SmallModelInvalid, "the small model's answer was invalid"})
	}
	if sig.SmallModelLowConfidence && w.SmallModelUnsure > 0 {
		rs = append(rs, Reason{ReasonSmallModelUnsure, w.SmallModelUnsure, "the small model was unsure"})
	}
	return rs
}

// participants counts the distinct addresses in From, To and Cc over the
// thread.
func participants(t *Thread) int {
	seen := map[string]bool{}
	for _, m := range t.Messages {
		for _, a := range append([]mailmsg.Address{m.From}, append(m.To, m.Cc...)...) {
			if a.Addr != "" {
				seen[strings.ToLower(a.Addr)] = true
			}
		}
	}
	return len(seen)
}

// quoteTerms formats up to five matched terms for a reason's detail.
func quoteTerms(found []string) string {
	const maxShown = 5
	var b strings.Builder
	for i, f := range found {
		if i == maxShown {
			fmt.Fprintf(&b, " and %d more", len(found)-maxShown)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if strings.HasPrefix(f, `"`) || f == "shouting" || f == "an amount" {
			b.WriteString(f)
		} else {
			b.WriteString(`"` + strings.TrimSuffix(f, "*") + `"`)
		}
	}
	return b.String()
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
