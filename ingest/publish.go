package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/imapx"
	"mailassist/mailmsg"
	"mailassist/msgindex"
)

// A catch-up runs as two goroutines joined by a channel of one chunk:
// the fetcher reads a chunk of messages from the IMAP server (one UID
// FETCH of up to fetchChunk messages, streamed) while the publisher
// sends the chunk before it to the bus — bodies, events and Message-ID
// records each published asynchronously and then awaited together — and
// then advances the checkpoint. So the server and the bus work at the
// same time, and a chunk costs a few round trips, not a few per message.
//
// More than a chunk to publish is a backlog (a first sync, a resync, a
// long absence): each of its chunks waits until the stages have room
// (bus.Pacer), and between chunks, and while it waits, the fetcher asks
// the server for messages that arrived since the catch-up began (a UID
// SEARCH from liveFrom, which is an index look-up) and sends them ahead
// of the rest of the backlog: new mail never waits behind a backlog.

const (
	// chunkBytes bounds the bytes of one chunk in memory: a FETCH is sent
	// on in parts when its messages are larger.
	chunkBytes = 8 << 20
	// newestFirst is how many of a backlog's newest messages are handled
	// ahead of it, as new mail.
	newestFirst = 50
	// livePoll is how often a paced backlog asks the server for new mail.
	livePoll = 250 * time.Millisecond
	// kvParallel bounds the KV look-ups of a chunk in flight.
	kvParallel = 16
	// finishTimeout bounds finishing a part whose events were sent after
	// the catch-up was stopped.
	finishTimeout = 10 * time.Second
)

// fetched is a part of a chunk, as the fetcher hands it over.
type fetched struct {
	msgs []*imapclient.FetchMessageBuffer
	// last is the checkpoint this part allows: the last UID of its chunk
	// when the chunk ended, else its last message's; 0 for new mail,
	// which is above the checkpoint's reach until the backlog is done.
	last imap.UID
	// first is the chunk's first UID, whose failure count a complete
	// chunk clears.
	first imap.UID
	// stuck is the UID the FETCH broke on, with err; 0 when it did not.
	stuck imap.UID
	err   error
}

// publish fetches and publishes uids, advancing the checkpoint as it
// goes. With dedup, messages whose Message-ID was already ingested for the
// account are skipped (a UIDVALIDITY resync).
func (s *syncer) publish(ctx context.Context, uids []imap.UID, dedup bool) error {
	s.liveFrom = imap.UID(max(s.uidNext, 1))
	if len(uids) > 0 {
		s.liveFrom = max(s.liveFrom, uids[len(uids)-1]+1)
	}
	if !dedup && len(uids) > fetchChunk+newestFirst {
		// The newest messages of a backlog go first, as new mail does:
		// mail that arrived a moment before the catch-up began is new
		// mail to its user too. (Not in a resync, whose messages must
		// each be checked against what was ingested before.)
		tail := uids[len(uids)-newestFirst:]
		s.liveFrom, uids = tail[0], uids[:len(uids)-newestFirst]
	}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	parts := make(chan fetched, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(parts)
		s.fetchAll(fctx, uids, dedup, len(uids) > fetchChunk, parts)
	})
	var err error
	for f := range parts {
		if err == nil {
			err = s.publishPart(ctx, f)
		}
		if err != nil {
			cancel() // the fetcher stops; what it sends is dropped
		}
	}
	wg.Wait()
	if err != nil {
		return err
	}
	// Nothing newer than UIDNEXT-1 existed at SELECT, so that is covered
	// too; so is the new mail published meanwhile, from liveFrom up.
	floor := s.uidNext - 1
	if len(uids) > 0 {
		floor = max(floor, uint32(uids[len(uids)-1]))
	}
	floor = max(floor, uint32(s.liveFrom)-1)
	if s.uidNext == 0 {
		return nil
	}
	return s.cp.advance(ctx, s.uidValidity, floor)
}

// fetchAll fetches uids chunk by chunk and hands the parts over; with
// paced set, each chunk waits for room in the stages, and new mail goes
// first. It returns after handing over a part with an error.
func (s *syncer) fetchAll(ctx context.Context, uids []imap.UID, dedup, paced bool, out chan<- fetched) {
	send := func(f fetched) bool {
		select {
		case out <- f:
			return f.err == nil
		case <-ctx.Done():
			return false
		}
	}
	for chunk := range slices.Chunk(uids, fetchChunk) {
		last := chunk[len(chunk)-1]
		var err error
		if dedup {
			if chunk, err = s.unseen(ctx, chunk); err != nil {
				send(fetched{err: err})
				return
			}
		}
		if chunk, err = s.notOurs(ctx, chunk); err != nil {
			send(fetched{err: err})
			return
		}
		if len(chunk) == 0 {
			if !send(fetched{last: last}) { // nothing to fetch: the checkpoint moves on
				return
			}
			continue
		}
		if paced && !s.waitRoom(ctx, len(chunk), send) {
			return
		}
		if !s.fetch(chunk, last, send) {
			return
		}
	}
}

// notOurs drops from a chunk of the Junk folder the messages the
// pipeline moved there itself, so that their bodies are not fetched: the
// Junk watcher looks for the user's moves only, and apply marked its own
// as moved (before the move) and as in Junk (after it). A message of
// ours is marked in Junk here again, as the catch-up of a body would: in
// case apply stopped between its move and its mark. A message without a
// Message-ID is known by its content's fingerprint, so its body is
// fetched. Outside Junk, and in a first sync of Junk (which marks every
// message and labels none), it keeps the chunk.
func (s *syncer) notOurs(ctx context.Context, chunk []imap.UID) ([]imap.UID, error) {
	w := s.w
	if !w.Junk || s.quiet || len(chunk) == 0 {
		return chunk, nil
	}
	ids, err := imapx.FetchHeader(s.c, chunk, "Message-Id")
	if err != nil {
		return nil, err
	}
	ours := make([]bool, len(chunk))
	errs := make([]error, len(chunk))
	sem := make(chan struct{}, kvParallel)
	var wg sync.WaitGroup
	for i, uid := range chunk {
		key := msgindex.MessageKey(ids[uid], "")
		if key == "" {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if ours[i], errs[i] = msgindex.MovedToJunk(ctx, w.Bus, w.Account.Name, key); ours[i] && errs[i] == nil {
				errs[i] = msgindex.MarkInJunk(ctx, w.Bus, w.Account.Name, key, w.Mailbox)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := chunk[:0:0]
	for i, uid := range chunk {
		if !ours[i] {
			out = append(out, uid)
		}
	}
	junkOwnMoves.With(w.Account.Name).Add(float64(len(chunk) - len(out)))
	return out, nil
}

// waitRoom waits until the pacer admits n messages, handing new mail over
// meanwhile. It reports false when the fetcher must stop.
func (s *syncer) waitRoom(ctx context.Context, n int, send func(fetched) bool) bool {
	for {
		if !s.live(ctx, send) {
			return false
		}
		ok, err := s.w.Bus.Pacer().Admit(ctx, n)
		if err != nil {
			s.w.Log.Warn("publishing the backlog without pacing", "err", err)
		}
		if ok {
			return true
		}
		t := time.NewTimer(livePoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
}

// live hands over the messages that arrived since the catch-up began.
func (s *syncer) live(ctx context.Context, send func(fetched) bool) bool {
	var set imap.UIDSet
	set.AddRange(s.liveFrom, 0) // liveFrom:*
	data, err := s.c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
	if err != nil {
		return send(fetched{err: fmt.Errorf("search uid %d:*: %w", s.liveFrom, err)})
	}
	uids := sortedUIDs(data.AllUIDs(), uint32(s.liveFrom)-1) // "*" may be below liveFrom
	if len(uids) == 0 {
		return true
	}
	s.w.Log.Debug("new mail during a backlog; it goes first", "messages", len(uids))
	for chunk := range slices.Chunk(uids, fetchChunk) {
		next := chunk[len(chunk)-1] + 1
		if chunk, err = s.notOurs(ctx, chunk); err != nil {
			return send(fetched{err: err})
		}
		if len(chunk) > 0 && !s.fetch(chunk, 0, send) {
			return false
		}
		s.liveFrom = next
	}
	return true
}

// fetch streams chunk with BODY.PEEK[] and hands it over in parts of at
// most chunkBytes. last is the checkpoint the complete chunk allows (0:
// none, new mail). A FETCH that breaks is handed over with the UID it
// broke on.
func (s *syncer) fetch(chunk []imap.UID, last imap.UID, send func(fetched) bool) bool {
	cmd := s.c.Fetch(imap.UIDSetNum(chunk...), &imap.FetchOptions{
		UID: true, Flags: true, InternalDate: true, RFC822Size: true,
		BodySection: []*imap.FetchItemBodySection{bodySection},
	})
	var part fetched
	size, done := 0, 0
	for {
		m := cmd.Next()
		if m == nil {
			break
		}
		buf, err := m.Collect()
		if err != nil {
			_ = cmd.Close()
			part.err = fmt.Errorf("fetch: %w", err)
			if done < len(chunk) {
				part.stuck, part.err = chunk[done], fmt.Errorf("fetch uid %d: %w", chunk[done], err)
			}
			return send(part)
		}
		part.msgs = append(part.msgs, buf)
		size += len(buf.FindBodySection(bodySection))
		for done < len(chunk) && chunk[done] <= buf.UID {
			done++
		}
		if size >= chunkBytes {
			if last != 0 {
				part.last = buf.UID
			}
			if !send(part) {
				_ = cmd.Close()
				return false
			}
			part, size = fetched{}, 0
		}
	}
	if err := cmd.Close(); err != nil {
		part.err = fmt.Errorf("fetch: %w", err)
		if done < len(chunk) {
			part.stuck, part.err = chunk[done], fmt.Errorf("fetch uid %d: %w", chunk[done], err)
		}
		return send(part)
	}
	part.last, part.first = last, chunk[0]
	return send(part)
}

// publishPart publishes a part's messages, then advances the checkpoint
// (or, for a part that broke, records the UID that broke it).
func (s *syncer) publishPart(ctx context.Context, f fetched) error {
	if err := s.publishMessages(ctx, f.msgs); err != nil {
		return err
	}
	if f.err != nil {
		if f.stuck != 0 {
			return s.stuck(ctx, f.stuck, f.err)
		}
		return f.err
	}
	if f.first != 0 {
		delete(s.w.failures, uint32(f.first))
	}
	if f.last == 0 {
		return nil
	}
	ctx, cancel := finishing(ctx)
	defer cancel()
	return s.cp.advance(ctx, s.uidValidity, uint32(f.last))
}

// finishing is the context for the rest of a part whose events were
// sent: its Message-ID records and its checkpoint are written even when
// ctx ends (a stop, a lost lease), within finishTimeout. Without them
// the messages would be ingested again after a UIDVALIDITY change: the
// resync finds no checkpoint, or no record of them.
func finishing(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
}

// outgoing is one fetched message on its way to the bus.
type outgoing struct {
	ev    bus.Ingested
	raw   []byte
	key   string // msgindex.MessageKey
	label bus.Label
}

// publishMessages sends fetched messages to the bus: the user's labels
// looked up side by side, then every body, then every event, then every
// Message-ID record, each step published asynchronously and awaited as a
// whole, so that an event is never visible before its body.
func (s *syncer) publishMessages(ctx context.Context, bufs []*imapclient.FetchMessageBuffer) error {
	if len(bufs) == 0 {
		return nil
	}
	w := s.w
	out := make([]*outgoing, len(bufs))
	for i, buf := range bufs {
		out[i] = s.outgoing(buf)
	}
	if w.Sent {
		for _, o := range out {
			if err := s.publishSent(ctx, &o.ev, o.raw); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.labels(ctx, out); err != nil {
		return err
	}
	out = slices.DeleteFunc(out, func(o *outgoing) bool { return w.Junk && o.label == "" }) // Junk is watched for the user's moves only
	futures := make([]jetstream.PubAckFuture, len(out))
	for i, o := range out {
		var err error
		if o.ev.RawKey, o.ev.RawObject, futures[i], err = w.Bus.StoreBlobAsync(ctx, o.ev.ID, o.raw); err != nil {
			return err
		}
	}
	if _, err := bus.WaitAcks(ctx, futures); err != nil {
		return err
	}
	for i, o := range out {
		futures[i] = nil
		if o.label != "" {
			if err := s.publishFeedback(ctx, &o.ev, o.label); err != nil {
				return err
			}
			if w.Junk {
				continue
			}
			o.ev.UserLabel = o.label
		}
		f, err := w.Bus.PublishAsync(bus.Subject(bus.KindIngested, w.Account.Name), bus.MsgID("ingest", o.ev.ID), &o.ev)
		if err != nil {
			return err
		}
		futures[i] = f
	}
	ctx, cancel := finishing(ctx)
	defer cancel()
	acks, err := bus.WaitAcks(ctx, futures)
	if err != nil {
		return err
	}
	records := make([]jetstream.PubAckFuture, len(out))
	for i, o := range out {
		if acks[i] == nil {
			continue
		}
		watcherIngested.With(w.Account.Name, w.label).Inc()
		w.Log.Debug("ingested", "uid", o.ev.UID, "size", len(o.raw))
		if records[i], err = msgindex.RecordIngestedAsync(w.Bus, w.Account.Name, o.key, o.ev.ID, acks[i].Sequence); err != nil {
			return err
		}
	}
	_, err = bus.WaitAcks(ctx, records)
	return err
}

// outgoing makes the event of a fetched message.
func (s *syncer) outgoing(buf *imapclient.FetchMessageBuffer) *outgoing {
	w := s.w
	raw := buf.FindBodySection(bodySection)
	id := bus.Identity(w.Account.Name, s.uidValidity, uint32(buf.UID))
	ev := bus.Ingested{
		V: bus.Version,
		Ref: bus.Ref{ID: id, Account: w.Account.Name, Mailbox: w.Mailbox, UIDValidity: s.uidValidity,
			UID: uint32(buf.UID), MessageID: mailmsg.HeaderValue(raw, "Message-Id")},
		InternalDate: buf.InternalDate.UTC(), Size: buf.RFC822Size, IngestedAt: time.Now().UTC(),
	}
	if ev.MessageID == "" {
		ev.Fingerprint = mailmsg.Fingerprint(raw)
	}
	for _, f := range buf.Flags {
		ev.Flags = append(ev.Flags, string(f))
	}
	return &outgoing{ev: ev, raw: raw, key: msgindex.MessageKey(ev.MessageID, ev.Fingerprint)}
}

// labels looks up what each message says of the user's intent (label),
// kvParallel at a time.
func (s *syncer) labels(ctx context.Context, out []*outgoing) error {
	errs := make([]error, len(out))
	sem := make(chan struct{}, kvParallel)
	var wg sync.WaitGroup
	for i, o := range out {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			o.label, errs[i] = s.label(ctx, o.key)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
