// Package learn teaches each account's spam model the user's own mail:
// on the account's first start it learns the Junk folder as spam and the
// mail the user has read or answered as ham, and it keeps the list of
// addresses the user has written to (the Sent folder) for the spam stage.
package learn

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/imapx"
	"mailassist/msgindex"
	"mailassist/spam"
)

// Bucket holds, per account, the bootstrap's status, the messages it has
// learnt (each once) and the batch in progress.
const Bucket = "spam_bootstrap"

// Status is an account's bootstrap as `mailassist status` shows it.
type Status struct {
	Account  string    `json:"account"`
	State    string    `json:"state"` // running, done, failed
	Started  time.Time `json:"started"`
	Updated  time.Time `json:"updated"`
	Progress string    `json:"progress,omitempty"`
	Spam     int       `json:"spam"`    // messages learnt as spam
	Ham      int       `json:"ham"`     // messages learnt as ham
	Skipped  int       `json:"skipped"` // already learnt before
	// OwnMoves are the messages of the spam folders the pipeline moved
	// there itself: its verdicts, not the user's labels, so not learnt.
	OwnMoves int `json:"own_moves,omitempty"`
	// Correspondents are the addresses found in Sent (new ones).
	Correspondents int     `json:"correspondents"`
	Threshold      float64 `json:"threshold,omitempty"`
	Chosen         bool    `json:"threshold_chosen"` // from the account's own mail
	Version        string  `json:"version,omitempty"`
	Error          string  `json:"error,omitempty"`
	// Habits is the reply habits' bootstrap; nil before it ran.
	Habits *HabitsStatus `json:"habits,omitempty"`
}

// staleAfter: a running bootstrap whose status was not updated for this
// long died, and another replica may take over.
const staleAfter = 15 * time.Minute

// Learner bootstraps accounts and follows their Sent folders.
type Learner struct {
	Models         *spam.Models
	Correspondents *spam.Correspondents
	Config         spam.Config // with defaults
	Log            *slog.Logger
	// Habits, when set, also teaches each account's reply habits its
	// history (the last HabitsDays days, at most HabitsMax messages of
	// each kind; 0 means 180 and 5000).
	Habits                Habits
	HabitsDays, HabitsMax int
	kv                    jetstream.KeyValue

	// Tests replace these: bootstrap is Bootstrap without force (what
	// Run does for each account); adapt is spam.Adapt; mark writes one
	// learnt-once mark (a test fails it to play a crash between saving
	// the model and marking its batch).
	bootstrap func(ctx context.Context, acct *account.Account) error
	adapt     func(*spam.Model, []spam.Example, spam.AdaptOptions) (*spam.Model, spam.Adaptation, error)
	mark      func(ctx context.Context, key string) error
	// ownMove is msgindex.MovedToJunk on the bus: whether the pipeline
	// moved the message with the key to Junk.
	ownMove func(ctx context.Context, account, key string) (bool, error)

	// training is the one slot for fetching an account's history,
	// adapting its model and saving it: memory (the history) and CPU
	// work that, for several accounts at once, would leave none to the
	// pipeline's new mail (fetchAndLearn).
	training chan struct{}
}

// New opens the bootstrap bucket.
func New(ctx context.Context, b *bus.Bus, models *spam.Models, corr *spam.Correspondents, cfg spam.Config, log *slog.Logger) (*Learner, error) {
	kv, err := b.KeyValue(ctx, jetstream.KeyValueConfig{Bucket: Bucket, Description: "spam bootstrap: status, learnt messages, batch in progress"})
	if err != nil {
		return nil, err
	}
	l := &Learner{Models: models, Correspondents: corr, Config: cfg.WithDefaults(), Log: log, kv: kv, adapt: spam.Adapt, training: make(chan struct{}, 1)}
	l.bootstrap = func(ctx context.Context, acct *account.Account) error {
		_, err := l.Bootstrap(ctx, acct, false)
		return err
	}
	l.ownMove = func(ctx context.Context, account, key string) (bool, error) {
		return msgindex.MovedToJunk(ctx, b, account, key)
	}
	l.mark = func(ctx context.Context, key string) error {
		_, err := l.kv.Put(ctx, key, nil)
		return err
	}
	return l, nil
}

// Statuses returns every account's bootstrap status.
func Statuses(ctx context.Context, b *bus.Bus) ([]Status, error) {
	kv, err := b.JS.KeyValue(ctx, Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	keys, err := kv.ListKeysFiltered(ctx, "status.>")
	if err != nil {
		return nil, err
	}
	var out []Status
	for k := range keys.Keys() {
		e, err := kv.Get(ctx, k)
		if err != nil {
			continue
		}
		var st Status
		if json.Unmarshal(e.Value(), &st) == nil {
			out = append(out, st)
		}
	}
	return out, nil
}

// batch is the set of messages being learnt, recorded before the model is
// saved so that a crash between the save and the marks learns nothing
// twice.
type batch struct {
	ID   string   `json:"id"`
	Keys []string `json:"keys"`
}

const metaBatch = "bootstrap_batch"

// Bootstrap learns the account's own mail unless it was done before (or
// force): Junk as spam; read or answered mail of the ham folders, not in
// Junk, as ham; each message once. It also records the Sent folder's
// recipients as correspondents.
func (l *Learner) Bootstrap(ctx context.Context, acct *account.Account, force bool) (Status, error) {
	log := l.Log.With("account", acct.Name, "stage", "spam-bootstrap")
	st, rev, err := l.status(ctx, acct.Name)
	if err != nil {
		return st, err
	}
	switch {
	case st.State == "done" && !force && l.Habits != nil && (st.Habits == nil || st.Habits.State != "done"):
		return l.habitsOnly(ctx, acct, st, rev)
	case st.State == "done" && !force:
		return st, nil
	case st.State == "running" && time.Since(st.Updated) < staleAfter:
		return st, fmt.Errorf("a bootstrap of %s is running (updated %s)", acct.Name, st.Updated.Format(time.RFC3339))
	}
	st = Status{Account: acct.Name, State: "running", Started: time.Now().UTC()}
	if rev, err = l.putStatus(ctx, &st, rev); err != nil {
		return st, err
	}
	if err := l.finishBatch(ctx, acct.Name); err != nil {
		return st, err
	}
	err = l.run(ctx, acct, &st, &rev, log)
	st.State = "done"
	switch {
	case err != nil && ctx.Err() != nil:
		st.State, st.Error = "failed", "cut short (the process stopped): it runs again at the next start"
		log.Info("spam bootstrap cut short by the stop; it runs again at the next start")
	case err != nil:
		st.State, st.Error = "failed", err.Error()
		log.Error("spam bootstrap failed", "err", err)
	default:
		log.Info("spam bootstrap done", "spam", st.Spam, "ham", st.Ham, "skipped", st.Skipped, "own_moves", st.OwnMoves,
			"correspondents", st.Correspondents, "threshold", st.Threshold, "threshold_chosen", st.Chosen, "version", st.Version)
	}
	if _, perr := l.putStatus(context.WithoutCancel(ctx), &st, rev); perr != nil && err == nil {
		err = perr
	}
	return st, err
}

func (l *Learner) run(ctx context.Context, acct *account.Account, st *Status, rev *uint64, log *slog.Logger) error {
	c, err := imapx.Dial(ctx, acct.IMAP, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	folders, err := l.folders(c, acct)
	if err != nil {
		return err
	}
	bc := l.Config.Bootstrap
	var spamC, hamC []candidate
	validity := map[string]uint32{}
	junkIDs := map[string]bool{}
	for _, f := range folders.spam {
		cs, v, err := scanKept(c, f, &imap.SearchCriteria{}, bc.MaxSpam, true, nil, l.usersLabels(ctx, c, acct.Name, st))
		if err != nil {
			return err
		}
		validity[f] = v
		for _, cd := range cs {
			junkIDs[cd.msgID] = true
		}
		spamC = append(spamC, cs...)
	}
	for _, f := range folders.ham {
		cs, v, err := scan(c, f, hamCriteria, bc.MaxHam, false, nil)
		if err != nil {
			return err
		}
		validity[f] = v
		for _, cd := range cs {
			if cd.msgID == "" || !junkIDs[cd.msgID] {
				hamC = append(hamC, cd)
			}
		}
	}
	// Every message in Sent names correspondents, read or not.
	if folders.sent != "" {
		n, err := l.addSent(ctx, c, acct.Name, folders.sent, bc.MaxHam)
		if err != nil {
			return err
		}
		st.Correspondents = n
	}
	todo, keys, err := l.choose(ctx, acct.Name, spamC, hamC, validity, st)
	if err != nil {
		return err
	}
	log.Info("spam bootstrap: learning the account's own mail", "spam_folders", folders.spam, "ham_folders", folders.ham,
		"to_learn", len(todo), "already_learnt", st.Skipped)
	if len(todo) > 0 {
		if err := l.fetchAndLearn(ctx, c, acct.Name, todo, keys, st, rev, log); err != nil {
			return err
		}
	}
	return l.bootstrapHabits(ctx, c, acct, folders.sent, st, rev, log)
}

// fetchAndLearn fetches the messages to learn and adapts the account's
// model to them, holding the training slot: one account at a time holds
// its history in memory (up to max_spam + max_ham messages) and trains,
// so that a thousand accounts' histories are never in memory together.
func (l *Learner) fetchAndLearn(ctx context.Context, c *imapclient.Client, account string, todo []candidate, keys []string, st *Status, rev *uint64, log *slog.Logger) error {
	if err := l.takeTraining(ctx, st, rev); err != nil {
		return err
	}
	defer func() { <-l.training }()
	examples, err := l.fetch(ctx, c, todo, st, rev, log)
	if err != nil || len(examples) == 0 {
		return err
	}
	return l.learn(ctx, account, examples, keys, st)
}

// takeTraining waits for the training slot. While it waits, the status
// is written again each minute, so that another replica does not take
// the bootstrap for one that died (staleAfter).
func (l *Learner) takeTraining(ctx context.Context, st *Status, rev *uint64) error {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case l.training <- struct{}{}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			st.Progress = "waiting for other accounts' bootstraps"
			if r, err := l.putStatus(ctx, st, *rev); err == nil {
				*rev = r
			}
		}
	}
}

// usersLabels keeps, of messages of the spam folder selected on c, those
// the user put there. The pipeline's own moves to Junk (marked before
// each move, msgindex.MarkMovedToJunk) are its verdicts, not labels:
// learning them would teach the model its own mistakes, and they are
// there whenever a bootstrap runs after the pipeline (an account whose
// turn came late, a retry, `spam learn`). They are counted in
// st.OwnMoves. A message without a Message-ID is kept: the pipeline
// knows its moves of those by a fingerprint of the whole message, which
// a bootstrap does not fetch here.
func (l *Learner) usersLabels(ctx context.Context, c *imapclient.Client, account string, st *Status) func([]imap.UID) ([]imap.UID, error) {
	return func(uids []imap.UID) ([]imap.UID, error) {
		ids, err := imapx.FetchHeader(c, uids, "Message-Id")
		if err != nil {
			return nil, err
		}
		kept := make([]imap.UID, 0, len(uids))
		for _, uid := range uids {
			if key := msgindex.MessageKey(ids[uid], ""); key != "" {
				own, err := l.ownMove(ctx, account, key)
				if err != nil {
					return nil, err
				}
				if own {
					st.OwnMoves++
					continue
				}
			}
			kept = append(kept, uid)
		}
		return kept, nil
	}
}

// choose returns the candidates to learn and their learn-once keys: each
// message once (by Message-ID across folders), the newest of each class
// up to its bound, less those learnt before (counted in st.Skipped).
func (l *Learner) choose(ctx context.Context, account string, spamC, hamC []candidate, validity map[string]uint32, st *Status) ([]candidate, []string, error) {
	bc := l.Config.Bootstrap
	var todo []candidate
	var keys []string
	seen := map[string]bool{}
	for _, class := range []struct {
		cs    []candidate
		limit int
	}{{spamC, bc.MaxSpam}, {hamC, bc.MaxHam}} {
		n := 0
		for _, cd := range newest(class.cs) {
			if n == class.limit {
				break
			}
			k := cd.key(account, validity[cd.mailbox])
			if seen[k] {
				continue
			}
			seen[k] = true
			n++
			if _, err := l.kv.Get(ctx, "learnt."+k); err == nil {
				st.Skipped++
				continue
			} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
				return nil, nil, fmt.Errorf("look up learnt mark: %w", err)
			}
			todo, keys = append(todo, cd), append(keys, k)
		}
	}
	return todo, keys, nil
}

// fetch fetches the messages' bytes folder by folder, in batches, logging
// progress.
func (l *Learner) fetch(ctx context.Context, c *imapclient.Client, todo []candidate, st *Status, rev *uint64, log *slog.Logger) ([]spam.Example, error) {
	examples := make([]spam.Example, 0, len(todo))
	p := progress{status: "fetched %d of %d", log: log, msg: "spam bootstrap: progress", verb: "fetched"}
	err := l.fetchEach(ctx, c, todo, st, rev, p, func(cd candidate, raw []byte) {
		examples = append(examples, spam.Example{Raw: raw, Spam: cd.spam})
	})
	return examples, err
}

const (
	fetchBatch    = 50
	progressEvery = 250
)

// learn adapts the account's model to the examples and records each as
// learnt.
func (l *Learner) learn(ctx context.Context, account string, examples []spam.Example, keys []string, st *Status) error {
	base, _, err := l.Models.Current(ctx, account)
	if err != nil {
		return err
	}
	m, ad, err := l.adapt(base, examples, spam.AdaptOptions{
		TargetFPR: l.Config.TargetFPR, Floor: l.Config.ThresholdFloor, Context: spam.Context{Mailbox: l.Config.Mailbox()},
	})
	if err != nil {
		return err
	}
	b := batch{ID: hashHex(fmt.Sprint(keys)), Keys: keys}
	data, _ := json.Marshal(b)
	if _, err := l.kv.Put(ctx, "batch."+account, data); err != nil {
		return fmt.Errorf("record bootstrap batch: %w", err)
	}
	if err := l.Models.Save(ctx, account, m, map[string]string{metaBatch: b.ID}); err != nil {
		return err
	}
	if err := l.finishBatch(ctx, account); err != nil {
		return err
	}
	st.Spam, st.Ham = ad.Spam, ad.Ham
	st.Threshold, st.Chosen, st.Version = ad.Threshold, ad.Chosen, m.Version()
	st.Progress = ""
	return nil
}

// finishBatch completes a batch whose model was saved: it marks its
// messages learnt. A batch whose model was not saved is dropped (it will
// be learnt again from the start).
func (l *Learner) finishBatch(ctx context.Context, account string) error {
	e, err := l.kv.Get(ctx, "batch."+account)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read bootstrap batch: %w", err)
	}
	var b batch
	if err := json.Unmarshal(e.Value(), &b); err == nil {
		_, meta, err := l.Models.Current(ctx, account)
		if err != nil {
			return err
		}
		if meta[metaBatch] == b.ID {
			for _, k := range b.Keys {
				if err := l.mark(ctx, "learnt."+k); err != nil {
					return fmt.Errorf("mark learnt: %w", err)
				}
			}
		}
	}
	if err := l.kv.Delete(ctx, "batch."+account); err != nil {
		return fmt.Errorf("clear bootstrap batch: %w", err)
	}
	return nil
}

func (l *Learner) status(ctx context.Context, account string) (Status, uint64, error) {
	e, err := l.kv.Get(ctx, "status."+account)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Status{Account: account}, 0, nil
	}
	if err != nil {
		return Status{}, 0, fmt.Errorf("read bootstrap status: %w", err)
	}
	var st Status
	_ = json.Unmarshal(e.Value(), &st)
	return st, e.Revision(), nil
}

// putStatus writes the status if it is still at revision rev (0: absent),
// so that two replicas cannot both start; it returns the new revision.
func (l *Learner) putStatus(ctx context.Context, st *Status, rev uint64) (uint64, error) {
	st.Updated = time.Now().UTC()
	data, _ := json.Marshal(st)
	var err error
	var nrev uint64
	if rev == 0 {
		nrev, err = l.kv.Create(ctx, "status."+st.Account, data)
	} else {
		nrev, err = l.kv.Update(ctx, "status."+st.Account, data, rev)
	}
	if err != nil {
		return rev, fmt.Errorf("write bootstrap status of %s (another replica may be at it): %w", st.Account, err)
	}
	return nrev, nil
}

// folderSet are the folders a bootstrap reads.
type folderSet struct {
	spam, ham []string
	sent      string
}

func (l *Learner) folders(c *imapclient.Client, acct *account.Account) (folderSet, error) {
	var fs folderSet
	bc := l.Config.Bootstrap
	junk := acct.Folders.Junk
	if junk == "" {
		var err error
		if junk, err = imapx.FindFolder(c, imap.MailboxAttrJunk); err != nil {
			return fs, err
		}
	}
	fs.sent = acct.Folders.Sent
	if fs.sent == "" {
		var err error
		if fs.sent, err = imapx.FindFolder(c, imap.MailboxAttrSent); err != nil {
			return fs, err
		}
	}
	fs.spam = bc.SpamFolders
	if len(fs.spam) == 0 && junk != "" {
		fs.spam = []string{junk}
	}
	fs.ham = bc.HamFolders
	if len(fs.ham) == 0 {
		fs.ham = append(fs.ham, acct.Folders.Watch...)
		for _, f := range []string{fs.sent, acct.Folders.Archive} {
			if f != "" && !slices.Contains(fs.ham, f) {
				fs.ham = append(fs.ham, f)
			}
		}
	}
	fs.ham = slices.DeleteFunc(fs.ham, func(f string) bool { return f == junk || slices.Contains(fs.spam, f) })
	return fs, nil
}

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}
