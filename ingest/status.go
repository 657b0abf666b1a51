package ingest

import (
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/ops"
)

var (
	// Labelled by account: ops families, which keep a series in a fifth
	// of the memory of client_golang's vectors.
	watcherConnected = ops.NewGauges("mailassist_watcher_connected",
		"1 while the watcher holds a logged-in IMAP connection.",
		"account", "mailbox")
	watcherLastIdle = ops.NewGauges("mailassist_watcher_last_idle_event_timestamp_seconds",
		"When the server last answered the watcher (IDLE accepted, new-mail notice, or poll).",
		"account", "mailbox")
	watcherIngested = ops.NewCounters("mailassist_ingested_total",
		"Messages published to mail.ingested.",
		"account", "mailbox")
	feedbackPublished = ops.NewCounters("mailassist_feedback_total",
		"User moves into (spam) or out of (ham) Junk published to mail.feedback.",
		"account", "label")
	sentPublished = ops.NewCounters("mailassist_sent_total",
		"Messages of the Sent folder published to mail.sent.",
		"account")
	watcherMissed = ops.NewCounters("mailassist_watcher_missed_notifications_total",
		"New mail that the periodic recheck found in a folder watched with NOTIFY, which no STATUS had announced.",
		"account")
	junkOwnMoves = ops.NewCounters("mailassist_watcher_junk_own_moves_total",
		"Messages found new in Junk that the pipeline had moved there itself: recognised by their Message-ID, their bodies not fetched.",
		"account")
	watcherReconnects = ops.NewCounters("mailassist_watcher_reconnects_total",
		"IMAP sessions that ended with an error and were re-established.",
		"account", "mailbox")
)

// InitMetrics exports the watchers' metrics of acct at 0 (the gauges and
// counters of each mailbox it watches, its Junk folder included, and its
// feedback by label), so that they exist from the start.
func InitMetrics(acct *account.Account) {
	mailboxes := append([]string(nil), acct.Folders.Watch...)
	junk := acct.Folders.Junk
	if junk == "" {
		junk = string(imap.MailboxAttrJunk) // the label of a Junk folder still to be discovered
	}
	if !slices.Contains(mailboxes, junk) {
		mailboxes = append(mailboxes, junk)
	}
	if acct.Folders.FollowsSent() {
		sent := acct.Folders.Sent
		if sent == "" {
			sent = string(imap.MailboxAttrSent)
		}
		mailboxes = append(mailboxes, sent)
		sentPublished.With(acct.Name)
	}
	for _, mb := range mailboxes {
		watcherConnected.With(acct.Name, mb)
		watcherLastIdle.With(acct.Name, mb)
		watcherIngested.With(acct.Name, mb)
		watcherReconnects.With(acct.Name, mb)
	}
	for _, l := range []bus.Label{bus.LabelSpam, bus.LabelHam} {
		feedbackPublished.With(acct.Name, string(l))
	}
}

// WatcherState is what a watcher last knew, for /healthz and status.
type WatcherState struct {
	Account   string    `json:"account"`
	Mailbox   string    `json:"mailbox"`
	Connected bool      `json:"connected"`
	Idle      bool      `json:"idle"` // false: the server lacks IDLE and the watcher polls
	LastLive  time.Time `json:"last_live"`
	LastError string    `json:"last_error,omitempty"`
	// Fix is set while the account has a problem only a person can fix
	// (imapx.SetupError): what is wrong and what to change.
	Fix string `json:"fix,omitempty"`
	// MaxQuiet is how long the watcher may go without hearing from the
	// server before it counts as not live.
	MaxQuiet time.Duration `json:"-"`
}

// Live reports whether the watcher's connection was proven alive recently.
func (s WatcherState) Live(now time.Time) bool {
	return s.Connected && now.Sub(s.LastLive) <= s.MaxQuiet
}

// Registry holds the state of every watcher in the process.
type Registry struct {
	mu sync.Mutex
	m  map[string]*WatcherState
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry { return &Registry{m: map[string]*WatcherState{}} }

func (r *Registry) update(account, mailbox string, f func(*WatcherState)) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	key := account + "\x00" + mailbox
	s, ok := r.m[key]
	if !ok {
		s = &WatcherState{Account: account, Mailbox: mailbox}
		r.m[key] = s
	}
	f(s)
}

// rename moves the state of account's watcher from mailbox old to new.
func (r *Registry) rename(account, old, new string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.m[account+"\x00"+old]
	if !ok {
		return
	}
	delete(r.m, account+"\x00"+old)
	s.Mailbox = new
	r.m[account+"\x00"+new] = s
}

// Forget drops the watchers of account, which this process no longer
// watches (another replica took it over).
func (r *Registry) Forget(account string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for key, s := range r.m {
		if s.Account == account {
			delete(r.m, key)
		}
	}
}

// Snapshot returns every watcher's state, sorted by account and mailbox.
func (r *Registry) Snapshot() []WatcherState {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]WatcherState, 0, len(r.m))
	for _, s := range r.m {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Account != out[j].Account {
			return out[i].Account < out[j].Account
		}
		return out[i].Mailbox < out[j].Mailbox
	})
	return out
}

// Health implements the ops server's health check: a problem for every
// watcher not proven live at now, and every watcher's state as detail.
func (r *Registry) Health(now time.Time) (problems []string, detail any) {
	states := r.Snapshot()
	for _, ws := range states {
		if !ws.Live(now) {
			msg := ws.Account + "/" + ws.Mailbox + ": not live"
			if ws.LastError != "" {
				msg += ": " + ws.LastError
			}
			problems = append(problems, msg)
		}
	}
	return problems, states
}

// NeedPerson lists, once per account, the problems that only a person can
// fix ("work: the server's certificate is not trusted: set imap.ca_file
// …"): for /readyz, which is not ready for such an account.
func (r *Registry) NeedPerson() []string {
	var out []string
	seen := map[string]bool{}
	for _, ws := range r.Snapshot() {
		if ws.Fix != "" && !seen[ws.Account+ws.Fix] {
			seen[ws.Account+ws.Fix] = true
			out = append(out, ws.Account+": "+ws.Fix)
		}
	}
	return out
}
