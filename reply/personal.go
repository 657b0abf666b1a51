package reply

import (
	"fmt"
	"math"
	"strings"

	"mailassist/habits"
	"mailassist/mailmsg"
)

// PersonalOptions are the account's history and threshold for
// TriggerPersonal.
type PersonalOptions struct {
	// Profile is the account's reply habits; nil means none yet.
	Profile *habits.Profile
	// Threshold is the chance of an answer from which replies are
	// suggested; 0 lets the account's own outcomes choose it
	// (habits.Model.Threshold with TargetRecall).
	Threshold float64
	// TargetRecall is the recall a chosen threshold aims at; 0 means
	// habits.DefaultTargetRecall.
	TargetRecall float64
}

// threshold returns the threshold in effect and a note on where it came
// from, for the reasons.
func (o PersonalOptions) threshold(p *habits.Profile) (float64, string) {
	if o.Threshold > 0 {
		return o.Threshold, "configured"
	}
	target := o.TargetRecall
	if target == 0 {
		target = habits.DefaultTargetRecall
	}
	t, chosen := p.Model.Threshold(target)
	if !chosen {
		return t, "default until you have answered enough mail"
	}
	return t, fmt.Sprintf("chosen from %d of your outcomes, %d answered", p.Model.N, p.Model.Answered)
}

// maxPersonalReasons bounds the history's reasons in a Decision.
const maxPersonalReasons = 6

// TriggerPersonal decides as Trigger does, with the user's habits: the
// rules that never suggest for spam, the user's own mail, old mail,
// delivery reports and auto-replies still decide; the rules for lists,
// bulk mail and no-reply senders, the content score and the recipients
// become features of the account's model together with the history (how
// often and how fast the user answered this sender, domain, list and
// thread, whether the user started the thread or wrote to the sender).
// Score is the model's chance that the user answers; Suggest is Score >=
// the threshold. With no history the decision is Trigger's.
func TriggerPersonal(m *mailmsg.Message, spam bool, o TriggerOptions, po PersonalOptions) Decision {
	if skip := hardSkip(m, spam, o); skip != "" {
		return Decision{Skip: skip}
	}
	p := po.Profile
	if p == nil {
		p = emptyProfile
	}
	hm, soft, content := observe(m, o, "", "")
	pr := p.Predict(&hm)
	thr, from := po.threshold(p)
	// The prior puts a message with no history exactly at the default
	// threshold when its content score is at the content threshold.
	d := Decision{Suggest: pr.Score >= thr-1e-9, Score: math.Round(pr.Score*1000) / 1000}
	if !d.Suggest {
		d.Skip = soft // a rule for automatic mail the history did not overrule
		return d
	}
	d.Reasons = append(d.Reasons, fmt.Sprintf("%.3f chance you answer, threshold %.3f (%s)", pr.Score, thr, from))
	d.Reasons = append(d.Reasons, pr.Reasons(maxPersonalReasons)...)
	for _, r := range content.Reasons {
		d.Reasons = append(d.Reasons, "content: "+r)
	}
	return d
}

// emptyProfile stands in for an account with no history; never changed.
var emptyProfile = habits.New()

// Observe reads what the reply habits keep of a received message: its
// sender, list, thread and subject, and the content trigger's cues.
// fallback names a message without a Message-ID (its fingerprint or
// identity), ref is its identity. ok is false for mail the habits leave
// out: spam, the user's own, delivery reports, auto-replies (MaxAge is
// not applied: the history reads old mail too).
func Observe(m *mailmsg.Message, spam bool, o TriggerOptions, fallback, ref string) (msg habits.Message, ok bool) {
	o.MaxAge = 0
	if hardSkip(m, spam, o) != "" {
		return habits.Message{}, false
	}
	msg, _, _ = observe(m, o, fallback, ref)
	return msg, true
}

// observe builds the habits' view of m (which no hard rule skips), the
// soft rule it matched (a Decision.Skip, or "") and the content
// trigger's decision.
func observe(m *mailmsg.Message, o TriggerOptions, fallback, ref string) (habits.Message, string, Decision) {
	d, f := scoreFeatures(m, o)
	c := habits.Cues{
		Score: d.Score, Threshold: o.threshold(), Question: f.questions > 0,
		Request: len(f.requests) > 0 || f.demand != "", Recipients: len(m.To) + len(m.Cc),
		Addressing: addressing(m, o.Own),
	}
	soft := softSkip(m)
	switch SkipCategory(soft) {
	case SkipList:
		c.Soft = habits.SoftList
	case SkipBulk:
		c.Soft = habits.SoftBulk
	case SkipNoReply:
		c.Soft = habits.SoftNoReply
	}
	id := m.MessageID
	if id == "" {
		id = fallback
	}
	from := strings.ToLower(m.From[0].Addr)
	hm := habits.Message{
		Key: habits.KeyOf(id), Ref: ref, From: from, List: listID(m.Header),
		InReplyTo: m.InReplyTo, References: m.References, Subject: m.Subject,
		At: o.Arrived, Internal: ownDomain(m.From[0].Domain(), o.Own), Cues: c,
	}
	if hm.At.IsZero() {
		hm.At = m.Date
	}
	return hm, soft, d
}

// addressing says where the user is among m's recipients.
func addressing(m *mailmsg.Message, own []string) habits.Addressing {
	switch {
	case len(own) == 0:
		return habits.AddrUnknown
	case containsOwn(m.To, own) && len(m.To) == 1:
		return habits.AddrDirect
	case containsOwn(m.To, own):
		return habits.AddrTo
	case containsOwn(m.Cc, own):
		return habits.AddrCc
	}
	return habits.AddrHidden
}

// ownDomain reports whether domain is the domain of one of the user's
// addresses.
func ownDomain(domain string, own []string) bool {
	if domain == "" {
		return false
	}
	for _, a := range own {
		if i := strings.LastIndexByte(a, '@'); i >= 0 && strings.EqualFold(strings.TrimSpace(a[i+1:]), domain) {
			return true
		}
	}
	return false
}

// listID names the list of list mail: its List-Id, else another list
// header's value, else "".
func listID(h mailmsg.Header) string {
	if v := strings.TrimSpace(h.Get("List-Id")); v != "" {
		if i, j := strings.IndexByte(v, '<'), strings.LastIndexByte(v, '>'); i >= 0 && j > i {
			return strings.ToLower(v[i+1 : j])
		}
		return strings.ToLower(v)
	}
	for _, name := range []string{"List-Post", "X-Mailing-List", "Mailing-List", "X-BeenThere"} {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
			return strings.ToLower(v)
		}
	}
	return ""
}
