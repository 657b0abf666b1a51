package main

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/mailmsg"
)

// probeFlag marks the probes, so that finding them in Junk is a search of
// the index (flags), not of the messages.
const probeFlag = "$MailbenchProbe"

// prober measures new mail: it appends a spam message to INBOX and waits
// for its effect, the move to Junk, on a connection of its own (whose
// Dovecot process the bench leaves out of Dovecot's CPU).
type prober struct {
	c      *imapclient.Client
	pid    int // its Dovecot IMAP process
	spams  [][]byte
	every  time.Duration // poll interval of Junk
	stopCh chan struct{}
	wg     sync.WaitGroup

	mu      sync.Mutex // one command at a time on c
	n       int
	next    imap.UID // in Junk: probes below it were found
	sent    map[string]probe
	lastErr error
}

type probe struct {
	phase   string // "during" or "after" the drain
	at      time.Time
	latency time.Duration // 0 until found in Junk
}

// newProber logs in as user and selects Junk.
func newProber(s *imapServer, user string, spams [][]byte) (*prober, error) {
	before := s.imapPIDs()
	c, err := s.login(user)
	if err != nil {
		return nil, err
	}
	sel, err := c.Select("Junk", nil).Wait()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("select Junk: %w", err)
	}
	p := &prober{c: c, spams: spams, every: 50 * time.Millisecond, stopCh: make(chan struct{}),
		next: sel.UIDNext, sent: map[string]probe{}}
	for pid := range s.imapPIDs() {
		if !before[pid] {
			p.pid = pid
		}
	}
	p.wg.Go(p.watch)
	return p, nil
}

// send appends one probe to INBOX.
func (p *prober) send(phase string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	id := fmt.Sprintf("<probe-%d-%d@mailbench>", p.n, time.Now().UnixNano())
	raw := withMessageID(p.spams[p.n%len(p.spams)], id)
	if err := appendMessage(p.c, "INBOX", raw, []imap.Flag{probeFlag}); err != nil {
		p.lastErr = err
		return
	}
	p.sent[id] = probe{phase: phase, at: time.Now()}
}

// watch polls Junk for probes until stop.
func (p *prober) watch() {
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		select {
		case <-p.stopCh:
			return
		case <-t.C:
		}
		if err := p.poll(); err != nil {
			p.mu.Lock()
			p.lastErr = err
			p.mu.Unlock()
		}
	}
}

func (p *prober) poll() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var set imap.UIDSet
	set.AddRange(p.next, 0)
	data, err := p.c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}, Flag: []imap.Flag{probeFlag}}, nil).Wait()
	if err != nil {
		return fmt.Errorf("search Junk: %w", err)
	}
	now := time.Now()
	uids := slices.DeleteFunc(data.AllUIDs(), func(u imap.UID) bool { return u < p.next })
	if len(uids) == 0 {
		return nil
	}
	section := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Message-Id"}, Peek: true}
	bufs, err := p.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return fmt.Errorf("fetch probes: %w", err)
	}
	for _, b := range bufs {
		id := strings.TrimSpace(mailmsg.HeaderValue(b.FindBodySection(section), "Message-Id"))
		if pr, ok := p.sent[id]; ok && pr.latency == 0 {
			pr.latency = now.Sub(pr.at)
			p.sent[id] = pr
		}
		p.next = max(p.next, b.UID+1)
	}
	return nil
}

// wait waits until every probe sent was found, or within passed.
func (p *prober) wait(within time.Duration) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if p.pending() == 0 {
			return
		}
		time.Sleep(p.every)
	}
}

func (p *prober) pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, pr := range p.sent {
		if pr.latency == 0 {
			n++
		}
	}
	return n
}

func (p *prober) stop() {
	close(p.stopCh)
	p.wg.Wait()
	p.c.Logout().Wait()
	p.c.Close()
}

// missing returns the Message-IDs of the probes not found in Junk, with
// when each was appended.
func (p *prober) missing() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ids []string
	for id, pr := range p.sent {
		if pr.latency == 0 {
			ids = append(ids, fmt.Sprintf("%s (%s, appended %s)", id, pr.phase, pr.at.Format("15:04:05.000")))
		}
	}
	slices.Sort(ids)
	return ids
}

// slow describes the probes moved to Junk later than over after their
// APPEND, with when each was appended, in that order: where to look in
// mailassist's log (-keep).
func (p *prober) slow(over time.Duration) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	type slowProbe struct {
		id string
		probe
	}
	var slow []slowProbe
	for id, pr := range p.sent {
		if pr.latency > over {
			slow = append(slow, slowProbe{id, pr})
		}
	}
	slices.SortFunc(slow, func(a, b slowProbe) int { return a.at.Compare(b.at) })
	var out []string
	for _, sp := range slow {
		out = append(out, fmt.Sprintf("%s (%s, appended %s): %.2f s", sp.id, sp.phase, sp.at.Format("15:04:05.000"), sp.latency.Seconds()))
	}
	return out
}

// latencies returns the sorted latencies of a phase's probes, and how
// many were never found.
func (p *prober) latencies(phase string) (found []time.Duration, lost int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range p.sent {
		switch {
		case pr.phase != phase:
		case pr.latency == 0:
			lost++
		default:
			found = append(found, pr.latency)
		}
	}
	slices.Sort(found)
	return found, lost
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted)-1)+0.5))]
}
