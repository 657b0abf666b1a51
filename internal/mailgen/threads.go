package mailgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// addr is a mailbox.
type addr struct{ name, addr string }

// mail is one generated message.
type mail struct {
	sent       bool
	at         time.Time
	from       addr
	to, cc     []addr
	subject    string
	id         string
	inReplyTo  string
	references []string
	body       string
	headers    []string // more header lines ("List-Id: <…>")
}

// thread is a conversation: its subject, the ids so far, who it is with.
type thread struct {
	subject      string
	ids          []string
	si           int
	with         *sender
	ownerStarted bool
	list         string // the list's address (List sources)
	rounds       int
}

// content is what a message's text does.
type content int

const (
	asks content = iota
	requests
	informs
	thanks
)

// Multipliers of the owner's chance to answer, by what the message does
// and where the owner is among its recipients.
var (
	contentFactor = map[content]float64{asks: 1.4, requests: 1.3, informs: 0.5, thanks: 0.25}
	directFactor  = 1.15
	crowdFactor   = 0.7
	ccFactor      = 0.3
	startedFactor = 1.6 // a thread the owner started
)

func (g *gen) owner() addr { return addr{g.p.Owner, g.p.Address} }

func (g *gen) msgID(at time.Time, domain string) string {
	g.seq++
	return fmt.Sprintf("%x.%d@%s", at.Unix(), g.seq, domain)
}

func domainOf(a string) string { return a[strings.LastIndexByte(a, '@')+1:] }

// senderOf picks a sender of source si: a few write most (the first
// ones), cold senders are new each time.
func (g *gen) senderOf(si int) *sender {
	list := g.senders[si]
	if g.p.Sources[si].Kind == Cold || len(list) == 0 {
		return g.newSender(si, 0)
	}
	u := g.r.Float64()
	return list[int(float64(len(list))*u*u)]
}

// incoming makes a message the owner receives from source si at at —
// a new one, or the next of th — and the owner's answer, if any.
func (g *gen) incoming(si int, at time.Time, th *thread) {
	if !at.Before(g.end) {
		return
	}
	s := g.p.Sources[si]
	who := g.senderOf(si)
	if th != nil && s.Kind != List {
		who = th.with
	}
	m := &mail{at: at, from: addr{who.name, who.addr}}
	m.id = g.msgID(at, domainOf(who.addr))
	what := informs
	if g.r.Float64() < s.Ask {
		what = asks
		if g.r.Float64() < 0.35 {
			what = requests
		}
	} else if g.r.Float64() < 0.25 {
		what = thanks
	}
	factor := contentFactor[what]
	switch s.Kind {
	case Person, Cold:
		switch u := g.r.Float64(); {
		case u < s.Cc:
			m.to, m.cc = g.others(1+g.r.IntN(2), who), []addr{g.owner()}
			factor *= ccFactor
		case u < s.Cc+s.Crowd:
			m.to = append([]addr{g.owner()}, g.others(1+g.r.IntN(6), who)...)
			factor *= crowdFactor
		default:
			m.to = []addr{g.owner()}
			factor *= directFactor
		}
	case List:
		list := listAddr(s)
		m.to = []addr{{s.Name, list}}
		m.headers = append(m.headers, "List-Id: "+s.Name+" <"+strings.ReplaceAll(list, "@", ".")+">",
			"List-Post: <mailto:"+list+">", "Precedence: list")
	case Group:
		m.to = []addr{{"All staff", "all@" + domainOf(who.addr)}}
	case Newsletter:
		m.to = []addr{g.owner()}
		if g.r.Float64() >= s.NoHeaders {
			m.headers = append(m.headers, "List-Unsubscribe: <https://"+domainOf(who.addr)+"/unsubscribe>")
			if g.r.Float64() < 0.5 {
				m.headers = append(m.headers, "Precedence: bulk")
			}
		}
	case Notification:
		m.to = []addr{g.owner()}
	}
	if th == nil {
		th = &thread{subject: g.subject(s.Kind), si: si, with: who}
		if s.Kind == List {
			th.list = listAddr(s)
		}
		m.subject = th.subject
	} else {
		m.subject = "Re: " + th.subject
		m.inReplyTo = th.ids[len(th.ids)-1]
		m.references = append([]string(nil), th.ids...)
	}
	th.ids = append(th.ids, m.id)
	m.body = g.body(s.Kind, what, who, m, th)
	g.out = append(g.out, m)
	if s.Kind == Newsletter || s.Kind == Notification {
		return
	}
	chance := who.answer * factor
	if th.ownerStarted {
		chance *= startedFactor
	}
	if g.away[int(at.Sub(Start).Hours()/(24*7))] {
		chance = 0
	}
	if g.r.Float64() < min(chance, 0.97) {
		delay := time.Duration(who.delay * math.Exp(g.r.NormFloat64()) * float64(time.Hour))
		g.reply(m, th, at.Add(max(delay, 3*time.Minute)))
	}
}

// reply is the owner's answer to m, sent at at, and maybe their answer
// back.
func (g *gen) reply(m *mail, th *thread, at time.Time) {
	if !at.Before(g.end) {
		return
	}
	if at.Sub(m.at) <= 14*24*time.Hour {
		g.answered++
	}
	r := &mail{sent: true, at: at, from: g.owner(), subject: "Re: " + th.subject}
	r.id = g.msgID(at, domainOf(g.p.Address))
	switch {
	case th.list != "":
		r.to = []addr{{g.p.Sources[th.si].Name, th.list}}
	default:
		r.to = []addr{m.from}
		if len(m.to)+len(m.cc) > 1 && g.r.Float64() < 0.4 { // reply to all
			for _, a := range append(append([]addr(nil), m.to...), m.cc...) {
				if a.addr != g.p.Address {
					r.cc = append(r.cc, a)
				}
			}
		}
	}
	if g.r.Float64() < 0.9 { // some clients do not thread
		r.inReplyTo = m.id
		r.references = append([]string(nil), th.ids...)
	}
	th.ids = append(th.ids, r.id)
	r.body = fmt.Sprintf("Hi %s,\n\n%s\n\nBest,\n%s\n\nOn %s, %s wrote:\n%s",
		firstName(m.from.name), pick(g.r, ownerReplies), firstName(g.p.Owner), m.at.Format("Mon, 2 Jan 2006 at 15:04"), m.from.name, quote(m.body))
	g.out = append(g.out, r)
	g.back(th, at)
}

// back: the correspondent answers the owner's message, with the
// source's chance, fewer the longer the thread.
func (g *gen) back(th *thread, at time.Time) {
	th.rounds++
	s := g.p.Sources[th.si]
	if th.rounds > 4 || g.r.Float64() >= s.Back*math.Pow(0.6, float64(th.rounds-1)) {
		return
	}
	delay := time.Duration(8 * math.Exp(g.r.NormFloat64()) * float64(time.Hour))
	g.incoming(th.si, at.Add(max(delay, 5*time.Minute)), th)
}

// start is a thread the owner starts with a correspondent of source si.
func (g *gen) start(si int, at time.Time) {
	s := g.p.Sources[si]
	who := g.senderOf(si)
	th := &thread{subject: g.subject(s.Kind), si: si, with: who, ownerStarted: true}
	m := &mail{sent: true, at: at, from: g.owner(), subject: th.subject, to: []addr{{who.name, who.addr}}}
	if s.Kind == List {
		th.list = listAddr(s)
		m.to = []addr{{s.Name, th.list}}
	}
	m.id = g.msgID(at, domainOf(g.p.Address))
	th.ids = append(th.ids, m.id)
	m.body = fmt.Sprintf("Hi %s,\n\n%s\n\nThanks,\n%s\n", firstName(who.name), g.fill(pick(g.r, ownerStarts)), firstName(g.p.Owner))
	g.out = append(g.out, m)
	g.back(th, at)
}

// others are n colleagues of who (made-up addresses at its domain).
func (g *gen) others(n int, who *sender) []addr {
	out := make([]addr, n)
	for i := range out {
		first, last := pick(g.r, firstNames), pick(g.r, lastNames)
		out[i] = addr{first + " " + last, strings.ToLower(first+"."+last) + "@" + domainOf(who.addr)}
	}
	return out
}

func listAddr(s Source) string {
	return strings.ReplaceAll(strings.ToLower(s.Name), " ", "-") + "@lists.example.org"
}

func firstName(name string) string {
	f, _, _ := strings.Cut(name, " ")
	return f
}

func quote(body string) string {
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "> " + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// bytes is the message in RFC 5322 form.
func (m *mail) bytes() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\n", format(m.from))
	fmt.Fprintf(&b, "To: %s\r\n", formatList(m.to))
	if len(m.cc) > 0 {
		fmt.Fprintf(&b, "Cc: %s\r\n", formatList(m.cc))
	}
	fmt.Fprintf(&b, "Subject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n", m.subject, m.at.Format(time.RFC1123Z), m.id)
	if m.inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\n", m.inReplyTo)
	}
	if len(m.references) > 0 {
		fmt.Fprintf(&b, "References: <%s>\r\n", strings.Join(m.references, "> <"))
	}
	for _, h := range m.headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.body, "\n", "\r\n"))
	return []byte(b.String())
}

func format(a addr) string {
	if a.name == "" {
		return a.addr
	}
	return fmt.Sprintf("%q <%s>", a.name, a.addr)
}

func formatList(as []addr) string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = format(a)
	}
	return strings.Join(out, ", ")
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// poisson draws a Poisson count of mean lambda.
func poisson(r *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// beta draws around mean with the strength of n observations (a Beta of
// mean·n, (1−mean)·n, from two Gammas).
func beta(r *rand.Rand, mean, n float64) float64 {
	if mean <= 0 {
		return 0
	}
	a, b := gamma(r, mean*n), gamma(r, (1-mean)*n)
	return a / (a + b)
}

// gamma draws a Gamma(k, 1) (Marsaglia and Tsang; k < 1 boosted).
func gamma(r *rand.Rand, k float64) float64 {
	if k < 1 {
		return gamma(r, k+1) * math.Pow(r.Float64(), 1/k)
	}
	d := k - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		if u := r.Float64(); math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}
