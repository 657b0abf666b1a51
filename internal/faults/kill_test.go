package faults

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/bus"
	"mailassist/spam"
)

// roles are the role processes, in pipeline order.
var roles = []string{"ingest", "spam", "reply", "escalate", "apply"}

// Each role process is killed with SIGKILL in the middle of a batch of 60
// messages (300 in all) and started again, as a supervisor would. During
// the spam round a user (of a second account, whose model alone learns
// from it) also moves messages into and out of Junk, so the trainer is
// killed with feedback in flight.
func TestKillEachRoleMidBatch(t *testing.T) {
	w := newWorld(t, options{feedback: true})
	w.connect()
	fbMails := w.deliverTo(fbUser, 1000, 18)
	for _, r := range roles {
		w.start(r)
	}
	const batch = 60
	for i, victim := range roles {
		if victim == "spam" {
			w.waitFolderCount(fbUser, "Junk", 6) // the fb account's spam was filed
			w.userMoves(fbMails)
		}
		progress := w.progress(victim)
		before := progress()
		killed := make(chan string, 1)
		go func() { // kill when the victim has done some of the batch, not all
			for {
				done := progress() - before
				if done >= 1 {
					w.procs[victim].signal(syscall.SIGKILL)
					killed <- fmt.Sprintf("%d of %d done", done, w.expected(victim, batch))
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
		w.deliver(i*batch, batch, 2*time.Second, nil)
		at := <-killed
		t.Logf("killed %s with SIGKILL mid-batch (%s); restarting it", victim, at)
		w.start(victim)
	}
	o := w.settle(3 * time.Minute)
	w.alive(roles...)
	fb, marks, learnt := w.training()
	if fb != marks || fb != learnt || fb != 5 {
		t.Errorf("training: %d feedback events, %d learnt marks, model learnt %d messages; want 5 of each", fb, marks, learnt)
	}
	t.Logf("kill -9 of each role: %s; feedback 5, learnt exactly once each (%d marks, model +%d)", o, marks, learnt)
}

// progress returns how much of its work a role has done so far.
func (w *world) progress(role string) func() int {
	switch role {
	case "ingest":
		return func() int { return w.subjectCount(bus.AllAccounts(bus.KindIngested)) }
	case "spam":
		return func() int { return w.subjectCount(bus.AllAccounts(bus.KindClassified)) }
	case "reply":
		return func() int {
			return w.subjectCount(bus.AllAccounts(bus.KindSuggested)) + w.subjectCount(bus.AllAccounts(bus.KindEscalation))
		}
	case "escalate":
		return func() int { return w.subjectCount(bus.AllAccounts(bus.KindEscalated)) }
	default: // apply: what is in Junk and Drafts
		return func() int {
			junk, _ := w.folder("Junk")
			drafts, _ := w.folder("Drafts")
			return len(junk) + len(drafts)
		}
	}
}

// expected is how much work of a batch a role does.
func (w *world) expected(role string, batch int) int {
	per := map[string]int{"ingest": 6, "spam": 6, "reply": 3, "escalate": 1, "apply": 4} // of every 6 templates
	return batch / 6 * per[role]
}

// deliverTo appends count messages from number first to name's INBOX,
// not counted in the check of the demo account.
func (w *world) deliverTo(name string, first, count int) []*mail {
	w.t.Helper()
	var ms []*mail
	for n := first; n < first+count; n++ {
		m := w.newMail(n, false)
		w.dovecot.Append(w.t, name, "INBOX", m.raw)
		ms = append(ms, m)
	}
	return ms
}

// waitFolderCount waits until name's folder holds n messages.
func (w *world) waitFolderCount(name, folder string, n int) {
	w.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got := 0
		_ = w.imapSessionAs(name, func(c *imapclient.Client) error {
			st, err := c.Status(folder, &imap.StatusOptions{NumMessages: true}).Wait()
			if err == nil {
				got = int(*st.NumMessages)
			}
			return nil
		})
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%s/%s holds %d messages, want %d", name, folder, got, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// userMoves moves three newsletters into Junk and two lottery messages
// out of it in the feedback account, as its user would.
func (w *world) userMoves(ms []*mail) {
	w.t.Helper()
	var in, out []*mail
	for _, m := range ms {
		switch {
		case m.kind == "newsletter" && len(in) < 3:
			in = append(in, m)
		case m.kind == "spam" && m.n%6 == 1 && len(out) < 2:
			out = append(out, m)
		}
	}
	move := func(from, to string, ms []*mail) {
		err := w.imapSessionAs(fbUser, func(c *imapclient.Client) error {
			if _, err := c.Select(from, nil).Wait(); err != nil {
				return err
			}
			for _, m := range ms {
				data, err := c.UIDSearch(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: m.token}}}, nil).Wait()
				if err != nil || len(data.AllUIDs()) != 1 {
					return fmt.Errorf("find %s in %s: %v (%d found)", m.token, from, err, len(data.AllUIDs()))
				}
				if _, err := c.Move(imap.UIDSetNum(data.AllUIDs()...), to).Wait(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			w.t.Fatal(err)
		}
	}
	move("INBOX", "Junk", in)
	move("Junk", "INBOX", out)
}

// training returns the feedback events, the learnt marks and how many
// messages the account's saved model learnt.
func (w *world) training() (feedback, marks, learnt int) {
	w.connect()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	feedback = w.subjectCount(bus.AllAccounts(bus.KindFeedback))
	if kv, err := w.js.KeyValue(ctx, spam.TrainedBucket); err == nil {
		if keys, err := kv.ListKeys(ctx); err == nil {
			for range keys.Keys() {
				marks++
			}
		}
	}
	if store, err := w.js.ObjectStore(ctx, spam.ModelsBucket); err == nil {
		if info, err := store.GetInfo(ctx, fbUser); err == nil {
			if m := regexp.MustCompile(`\+(\d+)\.`).FindStringSubmatch(info.Metadata["version"]); m != nil {
				learnt, _ = strconv.Atoi(m[1])
			}
		}
	}
	return feedback, marks, learnt
}
