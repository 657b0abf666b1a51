package learn

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/account"
	"mailassist/habits"
	"mailassist/imapx"
)

// Habits is what the bootstrap teaches each account's reply habits
// through: reading one message of the history, and learning the whole
// history at once. reply.Habits implements it (cmd/mailassist wires it).
type Habits interface {
	// HistoryReceived reads a received message: what the habits keep of
	// it, or false for mail they leave out (the user's own, reports,
	// auto-replies). ref is its identity.
	HistoryReceived(acct *account.Account, raw []byte, at time.Time, ref string) (habits.Message, bool)
	// HistorySent reads a message of the Sent folder.
	HistorySent(raw []byte, at time.Time, ref string) habits.Sent
	// LearnHistory learns them in date order, each message once, and the
	// outcomes whose wait ended by now.
	LearnHistory(ctx context.Context, account string, received []habits.Message, sent []habits.Sent, now time.Time) (habits.Change, habits.Totals, error)
}

// HabitsStatus is the reply habits' part of an account's bootstrap.
type HabitsStatus struct {
	State      string `json:"state"`    // running, done
	Received   int    `json:"received"` // received messages read (watched and archive folders)
	Sent       int    `json:"sent"`     // messages of the Sent folder read
	Answered   int    `json:"answered"` // learnt as answered by this bootstrap
	Unanswered int    `json:"unanswered"`
	// Outcomes is what the account's habits have learnt in all.
	Outcomes int `json:"outcomes"`
}

// Defaults of the history a bootstrap reads (reply.trigger.history_days
// and history_max).
const (
	defaultHabitsDays = 180
	defaultHabitsMax  = 5000
)

// bootstrapHabits reads the account's recent history — received messages
// of the watched and archive folders, and the Sent folder, of the last
// HabitsDays days, the newest HabitsMax of each — and teaches the reply
// habits which of them the user answered. Nothing is done without Habits.
func (l *Learner) bootstrapHabits(ctx context.Context, c *imapclient.Client, acct *account.Account, sentFolder string, st *Status, rev *uint64, log *slog.Logger) error {
	if l.Habits == nil {
		return nil
	}
	days, limit := l.HabitsDays, l.HabitsMax
	if days <= 0 {
		days = defaultHabitsDays
	}
	if limit <= 0 {
		limit = defaultHabitsMax
	}
	crit := &imap.SearchCriteria{Since: time.Now().AddDate(0, 0, -days)}
	hs := &HabitsStatus{State: "running"}
	st.Habits = hs
	validity := map[string]uint32{}
	var recv []candidate
	for _, f := range receivedFolders(acct, sentFolder) {
		cs, v, err := scan(c, f, crit, limit, false, nil)
		if err != nil {
			return err
		}
		validity[f] = v
		recv = append(recv, cs...)
	}
	recv = onceEach(newest(recv), limit)
	var sentC []candidate
	if sentFolder != "" {
		cs, v, err := scan(c, sentFolder, crit, limit, false, nil)
		if err != nil {
			return err
		}
		validity[sentFolder] = v
		sentC = cs
	}
	log.Info("reply habits bootstrap: reading the history", "received", len(recv), "sent", len(sentC), "days", days)
	ref := func(cd candidate) string {
		return fmt.Sprintf("%s/%d/%d", acct.Name, validity[cd.mailbox], cd.uid)
	}
	var received []habits.Message
	var sent []habits.Sent
	todo := slices.Concat(recv, sentC)
	err := l.fetchEach(ctx, c, todo, st, rev, progress{status: "reply habits: read %d of %d", log: log, msg: "reply habits bootstrap: progress", verb: "read"}, func(cd candidate, raw []byte) {
		if cd.mailbox == sentFolder {
			sent = append(sent, l.Habits.HistorySent(raw, cd.date, ref(cd)))
			return
		}
		if m, ok := l.Habits.HistoryReceived(acct, raw, cd.date, ref(cd)); ok {
			received = append(received, m)
		}
	})
	if err != nil {
		return err
	}
	ch, totals, err := l.Habits.LearnHistory(ctx, acct.Name, received, sent, time.Now())
	if err != nil {
		return err
	}
	*hs = HabitsStatus{State: "done", Received: len(received), Sent: len(sent), Answered: ch.Answered,
		Unanswered: ch.Unanswered, Outcomes: int(totals.Answered + totals.Unanswered)}
	st.Progress = ""
	log.Info("reply habits bootstrap done", "received", hs.Received, "sent", hs.Sent,
		"answered", hs.Answered, "unanswered", hs.Unanswered, "outcomes", hs.Outcomes)
	return nil
}

// receivedFolders are the folders whose messages the user received: the
// watched ones and the archive, not Sent.
func receivedFolders(acct *account.Account, sent string) []string {
	var out []string
	for _, f := range append(slices.Clone(acct.Folders.Watch), acct.Folders.Archive) {
		if f != "" && f != sent && f != acct.Folders.Junk && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// onceEach keeps the first of the candidates that share a Message-ID
// (a message in two folders is one message), at most limit.
func onceEach(cs []candidate, limit int) []candidate {
	seen := map[string]bool{}
	out := cs[:0]
	for _, cd := range cs {
		if len(out) == limit {
			break
		}
		if cd.msgID != "" {
			if seen[cd.msgID] {
				continue
			}
			seen[cd.msgID] = true
		}
		out = append(out, cd)
	}
	return out
}

// progress is how a bootstrap tells of its reading: the status line (a
// format of done and total), and the log message with the verb of its
// count.
type progress struct {
	status    string
	log       *slog.Logger
	msg, verb string
}

// fetchEach fetches the messages folder by folder, in batches, and hands
// each to each, telling its progress: only what each keeps of a message
// stays in memory.
func (l *Learner) fetchEach(ctx context.Context, c *imapclient.Client, todo []candidate, st *Status, rev *uint64, p progress, each func(candidate, []byte)) error {
	byFolder := map[string][]int{}
	var order []string
	for i, cd := range todo {
		if _, ok := byFolder[cd.mailbox]; !ok {
			order = append(order, cd.mailbox)
		}
		byFolder[cd.mailbox] = append(byFolder[cd.mailbox], i)
	}
	done := 0
	for _, f := range order {
		if _, err := c.Select(f, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			return fmt.Errorf("select %s: %w", f, err)
		}
		idx := byFolder[f]
		for start := 0; start < len(idx); start += fetchBatch {
			if err := ctx.Err(); err != nil {
				return err
			}
			part := idx[start:min(start+fetchBatch, len(idx))]
			uids := make([]imap.UID, len(part))
			for j, i := range part {
				uids[j] = todo[i].uid
			}
			raws, err := fetchRaw(c, uids)
			if err != nil {
				return err
			}
			for _, i := range part {
				if raw, ok := raws[todo[i].uid]; ok {
					each(todo[i], raw)
				}
			}
			done += len(part)
			st.Progress = fmt.Sprintf(p.status, done, len(todo))
			if done%progressEvery < fetchBatch || done == len(todo) {
				p.log.Info(p.msg, p.verb, done, "of", len(todo))
				if r, err := l.putStatus(ctx, st, *rev); err == nil {
					*rev = r
				}
			}
		}
	}
	return nil
}

// habitsOnly runs the reply habits' bootstrap of an account whose spam
// bootstrap was done before the habits were there.
func (l *Learner) habitsOnly(ctx context.Context, acct *account.Account, st Status, rev uint64) (Status, error) {
	log := l.Log.With("account", acct.Name, "stage", "habits-bootstrap")
	c, err := imapx.Dial(ctx, acct.IMAP, nil)
	if err != nil {
		return st, err
	}
	defer c.Close()
	fs, err := l.folders(c, acct)
	if err != nil {
		return st, err
	}
	if err := l.bootstrapHabits(ctx, c, acct, fs.sent, &st, &rev, log); err != nil {
		st.Habits = nil // tried again at the next start
		return st, err
	}
	_, err = l.putStatus(context.WithoutCancel(ctx), &st, rev)
	return st, err
}
