package reply

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"mailassist/habits"
	"mailassist/mailmsg"
)

// OnlineOptions tune EvaluateTriggerOnline. The zero value evaluates the
// content trigger with the owner's addresses read from sent/.
type OnlineOptions struct {
	// Trigger are the content trigger's options: Own (default: the
	// addresses the messages in sent/ come from), Names, Threshold.
	Trigger TriggerOptions
	// Personal decides with TriggerPersonal and the habits learnt so far,
	// else with Trigger.
	Personal bool
	// Options are the personal trigger's threshold and target recall
	// (Profile is the one learnt as the evaluation goes).
	Options PersonalOptions
}

// HabitsSummary is what the personal trigger learnt in an online
// evaluation.
type HabitsSummary struct {
	Outcomes  int          `json:"outcomes"` // learnt
	Answered  int          `json:"answered"`
	Threshold float64      `json:"threshold"` // in effect at the end
	Chosen    bool         `json:"threshold_chosen"`
	Sizes     habits.Sizes `json:"sizes"`
	Bytes     int          `json:"bytes"` // the profile's size as stored
}

// corpusMail is one message of an online evaluation.
type corpusMail struct {
	file string // ham/… or sent/…
	sent bool
	m    *mailmsg.Message
	at   time.Time
}

// EvaluateTriggerOnline measures the trigger the way it runs: the
// messages of dir/ham (received) and dir/sent (the owner's sent mail) in
// date order, each received message judged when it arrives, before its
// outcome is known, and (personal) learnt once it is — an answer in
// sent/ within habits.Window, or none. A received message is positive
// when a message in sent/ answers it (habits.Answered); without sent/,
// when another message in ham/ answers it, as in EvaluateTrigger (and the
// personal trigger has no outcome to learn from). The report is
// EvaluateTrigger's.
func EvaluateTriggerOnline(dir string, o OnlineOptions) (Report, error) {
	ham, err := readCorpusDir(dir, "ham", false)
	if err != nil {
		return Report{}, err
	}
	if len(ham) == 0 {
		return Report{}, fmt.Errorf("trigger eval: no .eml files in %s", filepath.Join(dir, "ham"))
	}
	sent, err := readCorpusDir(dir, "sent", true)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Report{}, err
	}
	to := o.Trigger
	if len(to.Own) == 0 {
		to.Own = senders(sent)
	}
	pos := onlineLabels(ham, sent, len(sent) > 0)
	events := slices.Concat(ham, sent)
	slices.SortStableFunc(events, func(a, b corpusMail) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(b2i(a.sent), b2i(b.sent)) // what arrives before what answers it
	})
	index := map[string]int{}
	for i, h := range ham {
		index[h.file] = i
	}
	p := habits.New()
	items := make([]evalItem, len(ham))
	for _, e := range events {
		if e.sent {
			if o.Personal {
				s := habits.SentFrom(e.m, e.file, e.at)
				p.Sent(&s)
			}
			continue
		}
		i := index[e.file]
		it := evalItem{file: e.file, id: e.m.MessageID, isList: listHeader(e.m.Header) != "",
			addressed: len(e.m.To)+len(e.m.Cc) > 0, pos: pos[i]}
		tr := to
		tr.Arrived = e.at
		if o.Personal {
			po := o.Options
			po.Profile = p
			it.d = TriggerPersonal(e.m, false, tr, po)
			if len(e.m.From) > 0 {
				hm, _, _ := observe(e.m, tr, e.file, e.file)
				thr, _ := po.threshold(p)
				it.scored = p.Predict(&hm).Score >= thr-1e-9
				if _, ok := Observe(e.m, false, tr, e.file, e.file); ok {
					p.Receive(&hm)
				}
			}
		} else {
			it.d = Trigger(e.m, false, tr)
			it.scored = score(e.m, tr).Suggest
		}
		items[i] = it
	}
	r := Report{Corpus: dir, Threshold: to.threshold(), Online: "content", Own: to.Own, Sent: len(sent)}
	if o.Personal {
		r.Online = "personal"
		thr, how := o.Options.threshold(p)
		r.Threshold = thr
		r.Habits = &HabitsSummary{Outcomes: int(p.Model.N), Answered: int(p.Model.Answered), Threshold: thr,
			Chosen: !strings.HasPrefix(how, "default") && how != "configured", Sizes: p.Sizes(), Bytes: len(p.Marshal())}
	}
	r.add(items)
	return r, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// readCorpusDir reads dir/sub/*.eml in name order, each with its date:
// the Date header, else the newest Received date, else the date of the
// message before it.
func readCorpusDir(dir, sub string, sent bool) ([]corpusMail, error) {
	d := filepath.Join(dir, sub)
	entries, err := os.ReadDir(d)
	if err != nil {
		return nil, fmt.Errorf("trigger eval: %w", err)
	}
	var out []corpusMail
	var last time.Time
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".eml") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(d, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("trigger eval: %w", err)
		}
		m := mailmsg.Parse(raw)
		at := m.Date
		if at.IsZero() {
			at = receivedDate(m.Header)
		}
		if at.IsZero() {
			at = last
		}
		last = at
		out = append(out, corpusMail{file: sub + "/" + e.Name(), sent: sent, m: m, at: at})
	}
	return out, nil
}

// receivedDate is the date of the first (newest) Received field, or zero.
func receivedDate(h mailmsg.Header) time.Time {
	v := h.Get("Received")
	i := strings.LastIndexByte(v, ';')
	if i < 0 {
		return time.Time{}
	}
	t, err := mail.ParseDate(strings.TrimSpace(v[i+1:]))
	if err != nil {
		return time.Time{}
	}
	return t
}

// senders returns the addresses the messages come from that send at
// least a tenth of them: the owner's, in a sent folder.
func senders(msgs []corpusMail) []string {
	count := map[string]int{}
	for _, s := range msgs {
		for _, a := range s.m.From {
			count[strings.ToLower(a.Addr)]++
		}
	}
	var out []string
	for a, n := range count {
		if n*10 >= len(msgs) {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

// onlineLabels says which ham messages were answered: by a message in
// sent/ (habits.Answered) when there is one, else by another ham message.
func onlineLabels(ham, sent []corpusMail, withSent bool) []bool {
	if withSent {
		rs := make([]habits.Message, len(ham))
		for i, h := range ham {
			id := h.m.MessageID
			if id == "" {
				id = h.file
			}
			rs[i] = habits.Message{Key: habits.KeyOf(id), Subject: h.m.Subject, At: h.at}
			if len(h.m.From) > 0 {
				rs[i].From = strings.ToLower(h.m.From[0].Addr)
			}
		}
		ss := make([]habits.Sent, len(sent))
		for i, s := range sent {
			ss[i] = habits.SentFrom(s.m, s.file, s.at)
		}
		return habits.Answered(rs, ss)
	}
	answered := map[string]bool{}
	for _, h := range ham {
		for _, parent := range slices.Concat(h.m.InReplyTo, h.m.References) {
			if parent != h.m.MessageID {
				answered[parent] = true
			}
		}
	}
	out := make([]bool, len(ham))
	for i, h := range ham {
		out[i] = h.m.MessageID != "" && answered[h.m.MessageID]
	}
	return out
}
