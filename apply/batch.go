package apply

import (
	"context"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/bus"
	"mailassist/imapx"
	"mailassist/outage"
)

// A batch is the actions of one account that arrived within
// Applier.BatchWindow (bus.Batch parks each delivery until its batch is
// done). It is carried out on the account's connection in this order:
//
//  1. per source folder (selected once, and not again by the next batch
//     while it stays selected): flags, one UID STORE per set of flags;
//     then moves, one UID MOVE per target (COPY + STORE \Deleted + UID
//     EXPUNGE where the server lacks MOVE), with the Junk marks of the
//     whole set written before and after it;
//  2. drafts, one APPEND each, a draft already filed recognised by the
//     index of the drafts filed (drafts.go), not by a search of Drafts;
//     a draft that replaces the thread's earlier one (replace_draft)
//     first removes that one unless the user edited it, and
//     delete_draft removes a draft whose thread the user answered
//     (replace.go: they look the old draft up in Drafts).
//
// No command costs more for a larger folder (but for replace_draft and
// delete_draft, which read the headers of Drafts to find the old draft
// the user may have edited into a new message): a message is found by its
// UID while UIDVALIDITY holds, and a UID that is gone is left out by the
// command itself (a move of a message that is gone counts as done). A
// command over a set that fails (and not by the connection closing) is
// tried again one action at a time, so that one bad UID fails alone. An
// action is acknowledged only when the command that carried it out
// succeeded.
func (a *Applier) runBatch(ctx context.Context, account string, items []*item) []error {
	errs := make([]error, len(items))
	ac, err := a.conn(account)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	ac.mu.Lock()
	defer ac.mu.Unlock()
	defer a.closeWhenIdle(ac)
	dep := imapx.Dependency(account)
	s, release, err := a.session(ctx, ac)
	if err != nil {
		for i := range errs {
			errs[i] = outage.For(dep, err)
		}
		return errs
	}
	defer release()
	a.Bus.Outages.Up(dep)
	// IMAP commands cannot be cancelled: when ctx ends (shutdown's grace
	// is over), the connection is closed, which ends the command.
	stop := context.AfterFunc(ctx, func() { s.c.Close() })
	defer stop()

	var boxes []string
	byBox := map[string][]*item{}
	var drafts []*item
	for _, it := range items {
		switch it.act.Kind {
		case bus.ActionDraft, bus.ActionReplaceDraft, bus.ActionDeleteDraft:
			drafts = append(drafts, it)
			continue
		}
		if byBox[it.act.Mailbox] == nil {
			boxes = append(boxes, it.act.Mailbox)
		}
		byBox[it.act.Mailbox] = append(byBox[it.act.Mailbox], it)
	}
	for _, box := range boxes {
		s.folder(ctx, box, byBox[box])
	}
	for _, it := range drafts {
		switch it.act.Kind {
		case bus.ActionReplaceDraft:
			it.err = s.replaceDraft(ctx, it)
		case bus.ActionDeleteDraft:
			it.err = s.deleteDraft(ctx, it)
		default:
			it.err = s.draft(ctx, it)
		}
	}

	broken := false
	for i, it := range items {
		errs[i] = it.err
		broken = broken || it.err != nil && !bus.IsPermanent(it.err)
	}
	if broken {
		if s.closed() { // the server went away mid-command
			for i, err := range errs {
				if err != nil && !bus.IsPermanent(err) {
					errs[i] = outage.For(dep, outage.Mark(err))
				}
			}
		}
		ac.drop() // the connection may be broken; the retry dials afresh
	}
	return errs
}

// session is one batch's use of an account's connection.
type session struct {
	a   *Applier
	ac  *accountConn
	c   *imapclient.Client
	sel *selection // the folder selected on c
}

// session returns the batch's connection: apply's own to the account
// while it is open; else the account's watcher's, lent (the batch selects
// afresh on it, and the watcher takes it back after); else a new one of
// apply's own. release ends the batch's use of it.
func (a *Applier) session(ctx context.Context, ac *accountConn) (s *session, release func(), err error) {
	if !ac.live() {
		if loan, ok := a.Loans.Borrow(ctx, ac.acct.Name, loanWait); ok {
			for attr, name := range loan.Folders {
				if _, ok := ac.folders[attr]; !ok {
					ac.folders[attr] = name // no LIST for them
				}
			}
			return &session{a: a, ac: ac, c: loan.Client, sel: &selection{}}, loan.Return, nil
		}
	}
	c, err := ac.client(ctx)
	if err != nil {
		return nil, nil, err
	}
	return &session{a: a, ac: ac, c: c, sel: &ac.sel}, func() {}, nil
}

func (s *session) closed() bool {
	select {
	case <-s.c.Closed():
		return true
	default:
		return false
	}
}

// found is a flags or move action with the UIDs of its message in the
// selected folder.
type found struct {
	it   *item
	uids []imap.UID
	key  string // msgindex.MessageKey, for the Junk marks
}

// folder carries out the flags, then the moves, of one source folder.
func (s *session) folder(ctx context.Context, mailbox string, items []*item) {
	var flags, moves []*found
	for _, f := range s.locate(mailbox, items) {
		if f.it.act.Kind == bus.ActionFlags {
			flags = append(flags, f)
		} else {
			moves = append(moves, f)
		}
	}
	if len(flags) > 0 {
		s.flags(flags)
	}
	if len(moves) > 0 {
		s.moves(ctx, mailbox, moves)
	}
}

// alone runs do for each of fs by itself, after the command over the
// set failed with err: only the actions that fail alone fail. Once the
// connection is closed, err stands for the rest.
func (s *session) alone(fs []*found, err error, do func(one []*found)) {
	for _, f := range fs {
		if s.closed() {
			setErr([]*found{f}, err)
			continue
		}
		do([]*found{f})
	}
}

// setErr gives every action of fs that has no result yet err.
func setErr(fs []*found, err error) {
	for _, f := range fs {
		if f.it.err == nil {
			f.it.err = err
		}
	}
}

// uidSet is the UIDs of fs.
func uidSet(fs []*found) imap.UIDSet {
	var set imap.UIDSet
	for _, f := range fs {
		set.AddNum(f.uids...)
	}
	return set
}

// each runs do for every action of fs, 16 at a time (KV writes, which
// wait for the bus), and records its error.
func each(fs []*found, do func(f *found) error) {
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, f := range fs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := do(f); err != nil && f.it.err == nil {
				f.it.err = err
			}
		})
	}
	wg.Wait()
}

// ok returns the actions of fs without an error.
func ok(fs []*found) []*found {
	out := fs[:0:0]
	for _, f := range fs {
		if f.it.err == nil {
			out = append(out, f)
		}
	}
	return out
}
