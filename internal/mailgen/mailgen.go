// Package mailgen generates test mailboxes: a year of a persona's mail,
// what they received (ham/) and what they sent (sent/), with reply habits
// — whom they answer, how fast, the threads they start, newsletters,
// notifications, Cc'd and group mail, lists, cold pitches — deterministic
// from a seed. It is for developing the reply trigger, not for judging it:
// the habits are plausible, not measured.
package mailgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Kind is a class of correspondents.
type Kind int

// Kinds of correspondents.
const (
	Person       Kind = iota // writes to the owner: colleagues, clients, friends
	Cold                     // a new sender every time: sales pitches, recruiters
	Newsletter               // marketing and news, list headers or not
	Notification             // machines: no-reply senders, shipping, CI
	List                     // a discussion list the owner is on
	Group                    // announcements to everyone (the owner not named)
)

// Source is one class of correspondents of a persona.
type Source struct {
	Name    string
	Kind    Kind
	Senders int     // distinct senders (Cold: ignored, each message has its own)
	Domain  string  // their domain; "" gives each sender its own
	PerWeek float64 // messages a week from the whole source
	// Answer is the mean chance that the owner answers one of their
	// messages; each sender gets its own around it.
	Answer float64
	// DelayHours is the median delay of the owner's answers.
	DelayHours float64
	// Cc and Crowd are the shares of their messages that have the owner
	// only in Cc, and that go to several people with the owner in To.
	Cc, Crowd float64
	// Ask is the share of their messages that ask something.
	Ask float64
	// Starts is how many threads a week the owner starts with them, and
	// Back the chance that they answer one of the owner's messages.
	Starts, Back float64
	// NoHeaders: newsletters without list headers (from info@…).
	NoHeaders float64
}

// Persona is a mailbox owner and the mail they get.
type Persona struct {
	Name    string // directory name
	Owner   string // display name
	Address string
	Sources []Source
	// Away is how many weeks of the year the owner answers nothing.
	Away int
}

// Personas are the built-in test mailboxes.
var Personas = []Persona{
	{
		Name: "consultant", Owner: "Nina Berg", Address: "nina@berg-consulting.example", Away: 3,
		Sources: []Source{
			{Name: "clients", Kind: Person, Senders: 25, PerWeek: 10, Answer: 0.55, DelayHours: 5, Crowd: 0.2, Cc: 0.1, Ask: 0.6, Starts: 4, Back: 0.6},
			{Name: "partners", Kind: Person, Senders: 10, PerWeek: 4, Answer: 0.35, DelayHours: 12, Crowd: 0.3, Cc: 0.2, Ask: 0.5, Starts: 1, Back: 0.5},
			{Name: "accountant", Kind: Person, Senders: 1, Domain: "taxhelp.example", PerWeek: 1, Answer: 0.8, DelayHours: 24, Ask: 0.7, Starts: 0.3, Back: 0.8},
			{Name: "pitches", Kind: Cold, PerWeek: 25, Answer: 0.02, DelayHours: 30, Ask: 0.85},
			{Name: "newsletters", Kind: Newsletter, Senders: 12, PerWeek: 30, Ask: 0.4, NoHeaders: 0.3},
			{Name: "notifications", Kind: Notification, Senders: 6, PerWeek: 30},
		},
	},
	{
		Name: "engineer", Owner: "Omar Haddad", Address: "omar@quarkly.example", Away: 4,
		Sources: []Source{
			{Name: "team", Kind: Person, Senders: 8, Domain: "quarkly.example", PerWeek: 18, Answer: 0.3, DelayHours: 3, Crowd: 0.5, Cc: 0.25, Ask: 0.5, Starts: 3, Back: 0.7},
			{Name: "manager", Kind: Person, Senders: 1, Domain: "quarkly.example", PerWeek: 3, Answer: 0.85, DelayHours: 2, Crowd: 0.3, Ask: 0.6, Starts: 1, Back: 0.8},
			{Name: "other teams", Kind: Person, Senders: 25, Domain: "quarkly.example", PerWeek: 20, Answer: 0.1, DelayHours: 10, Crowd: 0.4, Cc: 0.5, Ask: 0.4, Starts: 0.5, Back: 0.5},
			{Name: "vendors", Kind: Person, Senders: 6, PerWeek: 2, Answer: 0.4, DelayHours: 20, Ask: 0.5, Starts: 0.3, Back: 0.6},
			{Name: "dev list", Kind: List, Senders: 60, PerWeek: 60, Answer: 0.015, DelayHours: 8, Ask: 0.5, Starts: 0.5, Back: 0.5},
			{Name: "recruiters", Kind: Cold, PerWeek: 5, Answer: 0.04, DelayHours: 48, Ask: 0.9},
			{Name: "ci", Kind: Notification, Senders: 3, PerWeek: 60},
			{Name: "all-hands", Kind: Group, Senders: 3, Domain: "quarkly.example", PerWeek: 3, Answer: 0.01, DelayHours: 6, Ask: 0.3},
			{Name: "newsletters", Kind: Newsletter, Senders: 6, PerWeek: 10, Ask: 0.3, NoHeaders: 0.2},
		},
	},
	{
		Name: "manager", Owner: "Sara Lindqvist", Address: "sara.lindqvist@northwind.example", Away: 3,
		Sources: []Source{
			{Name: "boss", Kind: Person, Senders: 1, Domain: "northwind.example", PerWeek: 4, Answer: 0.9, DelayHours: 1.5, Crowd: 0.2, Ask: 0.7, Starts: 2, Back: 0.8},
			{Name: "reports", Kind: Person, Senders: 6, Domain: "northwind.example", PerWeek: 15, Answer: 0.5, DelayHours: 6, Crowd: 0.3, Cc: 0.1, Ask: 0.55, Starts: 3, Back: 0.7},
			{Name: "peers", Kind: Person, Senders: 12, Domain: "northwind.example", PerWeek: 10, Answer: 0.3, DelayHours: 12, Crowd: 0.4, Cc: 0.3, Ask: 0.5, Starts: 1, Back: 0.6},
			{Name: "cc'd", Kind: Person, Senders: 30, Domain: "northwind.example", PerWeek: 60, Answer: 0.03, DelayHours: 20, Crowd: 0.3, Cc: 0.9, Ask: 0.5},
			{Name: "customers", Kind: Person, Senders: 15, PerWeek: 5, Answer: 0.45, DelayHours: 8, Crowd: 0.2, Cc: 0.2, Ask: 0.6, Starts: 0.5, Back: 0.6},
			{Name: "all-staff", Kind: Group, Senders: 4, Domain: "northwind.example", PerWeek: 8, Answer: 0.02, DelayHours: 10, Ask: 0.4},
			{Name: "pitches", Kind: Cold, PerWeek: 15, Answer: 0.02, DelayHours: 40, Ask: 0.85},
			{Name: "notifications", Kind: Notification, Senders: 5, PerWeek: 40},
			{Name: "newsletters", Kind: Newsletter, Senders: 8, PerWeek: 15, Ask: 0.3, NoHeaders: 0.25},
		},
	},
	{
		Name: "sales", Owner: "Ravi Menon", Address: "ravi.menon@acmetools.example", Away: 3,
		Sources: []Source{
			{Name: "key accounts", Kind: Person, Senders: 8, PerWeek: 3, Answer: 0.7, DelayHours: 3, Crowd: 0.3, Cc: 0.1, Ask: 0.6, Starts: 2, Back: 0.6},
			{Name: "prospects", Kind: Person, Senders: 40, PerWeek: 6, Answer: 0.25, DelayHours: 10, Crowd: 0.2, Cc: 0.1, Ask: 0.6, Starts: 3, Back: 0.3},
			{Name: "team", Kind: Person, Senders: 10, Domain: "acmetools.example", PerWeek: 10, Answer: 0.15, DelayHours: 6, Crowd: 0.5, Cc: 0.4, Ask: 0.5, Starts: 1, Back: 0.6},
			{Name: "cc'd", Kind: Person, Senders: 40, Domain: "acmetools.example", PerWeek: 40, Answer: 0.02, DelayHours: 24, Crowd: 0.3, Cc: 0.9, Ask: 0.5},
			{Name: "all-hands", Kind: Group, Senders: 4, Domain: "acmetools.example", PerWeek: 5, Answer: 0.01, DelayHours: 10, Ask: 0.4},
			{Name: "pitches", Kind: Cold, PerWeek: 30, Answer: 0.01, DelayHours: 48, Ask: 0.85},
			{Name: "newsletters", Kind: Newsletter, Senders: 20, PerWeek: 60, Ask: 0.4, NoHeaders: 0.4},
			{Name: "crm", Kind: Notification, Senders: 10, PerWeek: 80},
		},
	},
	{
		Name: "private", Owner: "Tom Becker", Address: "tom.becker@mailbox.example", Away: 2,
		Sources: []Source{
			{Name: "friends", Kind: Person, Senders: 10, PerWeek: 4, Answer: 0.55, DelayHours: 20, Crowd: 0.3, Cc: 0.1, Ask: 0.6, Starts: 1.5, Back: 0.6},
			{Name: "family", Kind: Person, Senders: 4, PerWeek: 3, Answer: 0.75, DelayHours: 10, Crowd: 0.4, Ask: 0.6, Starts: 1, Back: 0.8},
			{Name: "club", Kind: List, Senders: 25, PerWeek: 8, Answer: 0.04, DelayHours: 24, Ask: 0.4, Starts: 0.1, Back: 0.5},
			{Name: "landlord", Kind: Person, Senders: 1, PerWeek: 0.3, Answer: 0.8, DelayHours: 24, Ask: 0.7, Back: 0.7},
			{Name: "shops", Kind: Newsletter, Senders: 15, PerWeek: 40, Ask: 0.4, NoHeaders: 0.3},
			{Name: "services", Kind: Notification, Senders: 8, PerWeek: 20},
			{Name: "offers", Kind: Cold, PerWeek: 5, Answer: 0.01, DelayHours: 40, Ask: 0.8},
		},
	},
}

// Find returns the built-in persona called name.
func Find(name string) (Persona, bool) {
	i := slices.IndexFunc(Personas, func(p Persona) bool { return p.Name == name })
	if i < 0 {
		return Persona{}, false
	}
	return Personas[i], true
}

// Start is when a generated year begins.
var Start = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)

// Counts say what Write wrote.
type Counts struct {
	Received, Sent, Answered int
}

// Write generates a year of p's mail from seed into dir/ham and
// dir/sent, one .eml file a message, and returns the counts. The same
// persona and seed give the same bytes.
func Write(dir string, p Persona, seed uint64) (Counts, error) {
	g := newGen(p, seed)
	g.year()
	var c Counts
	for _, sub := range []string{"ham", "sent"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return c, err
		}
	}
	slices.SortStableFunc(g.out, func(a, b *mail) int { return a.at.Compare(b.at) })
	nh, ns := 0, 0
	for _, m := range g.out {
		name := ""
		if m.sent {
			ns++
			name = filepath.Join(dir, "sent", fmt.Sprintf("%05d.eml", ns))
		} else {
			nh++
			name = filepath.Join(dir, "ham", fmt.Sprintf("%05d.eml", nh))
		}
		if err := os.WriteFile(name, m.bytes(), 0o644); err != nil {
			return c, err
		}
	}
	c.Received, c.Sent, c.Answered = nh, ns, g.answered
	return c, nil
}

// gen holds one persona's generation.
type gen struct {
	p        Persona
	r        *rand.Rand
	senders  [][]*sender // per source
	out      []*mail
	seq      int
	away     map[int]bool // weeks
	answered int
	end      time.Time
}

type sender struct {
	name, addr string
	answer     float64 // chance the owner answers (before content and addressing)
	delay      float64 // median delay, hours
}

func newGen(p Persona, seed uint64) *gen {
	g := &gen{p: p, r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), away: map[int]bool{}, end: Start.AddDate(1, 0, 0)}
	for len(g.away) < p.Away {
		g.away[g.r.IntN(52)] = true
	}
	for si, s := range p.Sources {
		var list []*sender
		for i := range max(s.Senders, 0) {
			list = append(list, g.newSender(si, i))
		}
		g.senders = append(g.senders, list)
	}
	return g
}

// newSender makes sender i of source si, with its own habits: the
// owner's chance to answer it is drawn around the source's (a Beta of
// strength 6), its delay around the source's median.
func (g *gen) newSender(si, i int) *sender {
	s := g.p.Sources[si]
	first, last := pick(g.r, firstNames), pick(g.r, lastNames)
	domain := s.Domain
	if domain == "" {
		domain = strings.ToLower(pick(g.r, companyWords)+pick(g.r, companyWords)) + pick(g.r, []string{".example", ".example.com", ".example.org", ".example.net"})
	}
	local := strings.ToLower(first + "." + last)
	name := first + " " + last
	switch s.Kind {
	case Newsletter:
		name = brand(g.r)
		local = pick(g.r, []string{"news", "newsletter", "info", "hello", "team", "offers"})
		if i%2 == 1 {
			local = "info"
		}
		domain = strings.ToLower(strings.ReplaceAll(name, " ", "")) + ".example"
	case Notification:
		name = brand(g.r)
		local = pick(g.r, []string{"noreply", "no-reply", "notifications", "alerts", "donotreply"})
		domain = strings.ToLower(strings.ReplaceAll(name, " ", "")) + ".example"
	}
	return &sender{
		name: name, addr: local + "@" + domain,
		answer: beta(g.r, s.Answer, 6),
		delay:  s.DelayHours * math.Exp(g.r.NormFloat64()*0.5),
	}
}

// year generates every source's messages, week by week.
func (g *gen) year() {
	for si, s := range g.p.Sources {
		for t := Start; t.Before(g.end); t = t.AddDate(0, 0, 7) {
			for range poisson(g.r, s.PerWeek) {
				g.incoming(si, g.workTime(t), nil)
			}
			if s.Kind == Person || s.Kind == List {
				for range poisson(g.r, s.Starts) {
					g.start(si, g.workTime(t))
				}
			}
		}
	}
}

// workTime is a time in the week of t, mostly on working days and hours.
func (g *gen) workTime(t time.Time) time.Time {
	day := g.r.IntN(7)
	if day >= 5 && g.r.Float64() < 0.7 {
		day = g.r.IntN(5)
	}
	hour := 8 + g.r.Float64()*10
	if g.r.Float64() < 0.1 {
		hour = g.r.Float64() * 24
	}
	return t.AddDate(0, 0, day).Add(time.Duration(hour * float64(time.Hour))).Truncate(time.Second)
}
