package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// ReplaysKV records which dead letters were replayed, and as what.
const ReplaysKV = "mail_replays"

// ReplayHeader is the header of a replayed message: the stream sequence
// of the dead letter it replays.
const ReplayHeader = "Mailassist-Replay-Of"

// StoredDeadLetter is a dead letter as the stream holds it.
type StoredDeadLetter struct {
	DeadLetter
	Seq      uint64   // its own sequence in MAIL
	Replays  []Replay // times it was replayed
	Original []byte   // the original payload, whole while the stream holds it (Show only)
}

// Replay is one replay of a dead letter.
type Replay struct {
	Seq   uint64    `json:"seq"`    // the replayed message's sequence in MAIL
	MsgID string    `json:"msg_id"` // its Nats-Msg-Id
	At    time.Time `json:"at"`
}

// DeadLetterFilter selects dead letters; zero fields select all.
type DeadLetterFilter struct {
	Account string
	Since   time.Time
	// Reason matches the cause exactly or the reason's text in part,
	// ignoring case.
	Reason string
}

func (f DeadLetterFilter) match(dl *DeadLetter) bool {
	if f.Account != "" && dl.Account != f.Account {
		return false
	}
	if !f.Since.IsZero() && dl.At.Before(f.Since) {
		return false
	}
	if r := strings.ToLower(f.Reason); r != "" && string(dl.Cause) != r && !strings.Contains(strings.ToLower(dl.Reason), r) {
		return false
	}
	return true
}

// DeadLetters returns the dead letters the stream holds that f selects,
// oldest first. It only reads (direct gets by subject), so it works while
// the stream cannot store anything.
func (b *Bus) DeadLetters(ctx context.Context, f DeadLetterFilter) ([]StoredDeadLetter, error) {
	subject := AllAccounts(KindDeadLetter)
	if f.Account != "" {
		subject = Subject(KindDeadLetter, f.Account)
	}
	var out []StoredDeadLetter
	for seq := uint64(1); ; {
		msg, err := b.Stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read dead letters: %w", err)
		}
		seq = msg.Sequence + 1
		var dl DeadLetter
		if json.Unmarshal(msg.Data, &dl) != nil || !f.match(&dl) {
			continue
		}
		sd := StoredDeadLetter{DeadLetter: dl, Seq: msg.Sequence}
		if sd.Replays, err = b.replays(ctx, msg.Sequence); err != nil {
			return nil, err
		}
		out = append(out, sd)
	}
	return out, nil
}

// DeadLetter returns the dead letter at seq, with the whole original
// payload while the stream still holds it.
func (b *Bus) DeadLetter(ctx context.Context, seq uint64) (*StoredDeadLetter, error) {
	msg, err := b.Stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, fmt.Errorf("no message %d in the stream (aged out, or never there)", seq)
	}
	if err != nil {
		return nil, fmt.Errorf("read message %d: %w", seq, err)
	}
	if kind, _ := ParseSubject(msg.Subject); kind != KindDeadLetter {
		return nil, fmt.Errorf("message %d is on %s, not a dead letter", seq, msg.Subject)
	}
	sd := &StoredDeadLetter{Seq: seq}
	if err := json.Unmarshal(msg.Data, &sd.DeadLetter); err != nil {
		return nil, fmt.Errorf("dead letter %d: %w", seq, err)
	}
	if sd.Replays, err = b.replays(ctx, seq); err != nil {
		return nil, err
	}
	sd.Original, err = b.original(ctx, &sd.DeadLetter)
	if err != nil && !errors.Is(err, errNoOriginal) {
		return nil, err
	}
	return sd, nil
}

var errNoOriginal = errors.New("no original")

// original returns the dead-lettered message's whole payload: from the
// stream while it holds it, else the copy in the dead letter if that was
// not cut.
func (b *Bus) original(ctx context.Context, dl *DeadLetter) ([]byte, error) {
	if dl.Subject == "" {
		return nil, fmt.Errorf("%w: the %s stage never read the message (%s)", errNoOriginal, dl.Stage, dl.Reason)
	}
	if dl.StreamSeq != 0 {
		msg, err := b.Stream.GetMsg(ctx, dl.StreamSeq)
		switch {
		case err == nil && msg.Subject == dl.Subject:
			return msg.Data, nil
		case err != nil && !errors.Is(err, jetstream.ErrMsgNotFound):
			return nil, fmt.Errorf("read the original message %d: %w", dl.StreamSeq, err)
		}
	}
	if dl.Truncated || len(dl.Data) == 0 {
		return nil, fmt.Errorf("%w: message %d is gone from the stream and the dead letter holds only part of it", errNoOriginal, dl.StreamSeq)
	}
	return dl.Data, nil
}

// Replay publishes the original message of the dead letter at seq again,
// on its subject and so to its stage, with a new Nats-Msg-Id (the
// original's plus "/replay/<unique>") so that JetStream delivers it again
// (other consumers of the subject see it too, marked with ReplayHeader).
// Stages are idempotent: a replay of work that was done after all, or a
// second replay, changes nothing in the mailbox. Dead letters of ingest
// (a message the IMAP server would not hand out) have no message to
// replay.
func (b *Bus) Replay(ctx context.Context, seq uint64) (Replay, error) {
	sd, err := b.DeadLetter(ctx, seq)
	if err != nil {
		return Replay{}, err
	}
	data, err := b.original(ctx, &sd.DeadLetter)
	if err != nil {
		return Replay{}, fmt.Errorf("dead letter %d cannot be replayed: %w", seq, err)
	}
	id := sd.MsgID
	if id == "" {
		id = "stream/" + strconv.FormatUint(sd.StreamSeq, 10)
	}
	r := Replay{MsgID: id + "/replay/" + nuid.Next(), At: time.Now().UTC()}
	msg := &nats.Msg{Subject: sd.Subject, Data: data, Header: nats.Header{ReplayHeader: []string{strconv.FormatUint(seq, 10)}}}
	ack, err := b.JS.PublishMsg(ctx, msg, jetstream.WithMsgID(r.MsgID), jetstream.WithExpectStream(StreamName))
	if err != nil {
		return Replay{}, fmt.Errorf("replay dead letter %d: %w", seq, err)
	}
	r.Seq = ack.Sequence
	kv, err := b.replaysKV(ctx, true)
	if err != nil {
		return r, err
	}
	all := append(sd.Replays, r)
	val, _ := json.Marshal(all)
	if _, err := kv.Put(ctx, strconv.FormatUint(seq, 10), val); err != nil {
		return r, fmt.Errorf("record the replay of dead letter %d: %w", seq, err)
	}
	return r, nil
}

// replays returns the replays recorded for the dead letter at seq.
func (b *Bus) replays(ctx context.Context, seq uint64) ([]Replay, error) {
	kv, err := b.replaysKV(ctx, false)
	if kv == nil || err != nil {
		return nil, err
	}
	e, err := kv.Get(ctx, strconv.FormatUint(seq, 10))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read replays of dead letter %d: %w", seq, err)
	}
	var rs []Replay
	_ = json.Unmarshal(e.Value(), &rs)
	return rs, nil
}

// replaysKV opens the replays bucket, creating it when create is set; nil
// when it does not exist (nothing was ever replayed).
func (b *Bus) replaysKV(ctx context.Context, create bool) (jetstream.KeyValue, error) {
	if b.replayKV != nil {
		return b.replayKV, nil
	}
	var kv jetstream.KeyValue
	var err error
	if create {
		kv, err = b.KeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: ReplaysKV, Description: "dead letters replayed, by their sequence in MAIL", TTL: b.Opts.MaxAge,
		})
	} else {
		kv, err = b.JS.KeyValue(ctx, ReplaysKV)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			return nil, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", ReplaysKV, err)
	}
	b.replayKV = kv
	return kv, nil
}
