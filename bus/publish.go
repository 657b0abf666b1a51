package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"mailassist/outage"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Publish sends v as JSON to subject with Nats-Msg-Id msgID and waits for
// the stream's acknowledgement. A publish that JetStream recognises as a
// duplicate succeeds (PubAck.Duplicate is set).
func (b *Bus) Publish(ctx context.Context, subject, msgID string, v any) (*jetstream.PubAck, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", subject, err)
	}
	return b.PublishRaw(ctx, subject, msgID, data)
}

// PublishRaw is Publish for bytes already encoded.
func (b *Bus) PublishRaw(ctx context.Context, subject, msgID string, data []byte) (*jetstream.PubAck, error) {
	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	ack, err := b.JS.PublishMsg(ctx, msg, jetstream.WithMsgID(msgID), jetstream.WithExpectStream(StreamName))
	if err != nil {
		return nil, fmt.Errorf("publish %s (%s): %w", subject, msgID, err)
	}
	return ack, nil
}

// NewAction returns an action of kind about the message ref locates,
// asked for by stage.
func NewAction(ref Ref, kind ActionKind, stage string) *Action {
	return &Action{
		V: Version, ID: ref.ID, Account: ref.Account, Kind: kind, Stage: stage,
		Mailbox: ref.Mailbox, UIDValidity: ref.UIDValidity, UID: ref.UID, MessageID: ref.MessageID,
		Fingerprint: ref.Fingerprint,
	}
}

// PublishAction publishes a on mail.action.<account>. Its Nats-Msg-Id is
// <stage>/<kind>/<identity>: one action of a kind per stage and message.
func (b *Bus) PublishAction(ctx context.Context, a *Action) error {
	_, err := b.Publish(ctx, Subject(KindAction, a.Account), a.msgID(), a)
	return err
}

// PublishActionAsync is PublishAction without waiting for the stream's
// acknowledgement (PublishAsync).
func (b *Bus) PublishActionAsync(a *Action) (jetstream.PubAckFuture, error) {
	return b.PublishAsync(Subject(KindAction, a.Account), a.msgID(), a)
}

func (a *Action) msgID() string { return MsgID(a.Stage+"/"+string(a.Kind), a.ID) }

// PublishAsync is Publish without waiting for the stream's
// acknowledgement: wait for the future (WaitAcks) before counting the
// event as published. Publishes from one process reach the stream in
// the order they were made.
func (b *Bus) PublishAsync(subject, msgID string, v any) (jetstream.PubAckFuture, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", subject, err)
	}
	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	f, err := b.JS.PublishMsgAsync(msg, jetstream.WithMsgID(msgID), jetstream.WithExpectStream(StreamName))
	if err != nil {
		return nil, fmt.Errorf("publish %s (%s): %w", subject, msgID, err)
	}
	return f, nil
}

// ackWait bounds how long WaitAcks waits for JetStream: an
// acknowledgement lost in a reconnect never comes.
const ackWait = 30 * time.Second

// WaitAcks waits for the acknowledgements of asynchronous publishes (nil
// futures are skipped) and returns them in order, or the first error.
func WaitAcks(ctx context.Context, futures []jetstream.PubAckFuture) ([]*jetstream.PubAck, error) {
	ctx, cancel := context.WithTimeout(ctx, ackWait)
	defer cancel()
	acks := make([]*jetstream.PubAck, len(futures))
	for i, f := range futures {
		if f == nil {
			continue
		}
		select {
		case ack := <-f.Ok():
			acks[i] = ack
		case err := <-f.Err():
			return nil, fmt.Errorf("publish %s: %w", f.Msg().Subject, err)
		case <-ctx.Done():
			return nil, outage.Mark(fmt.Errorf("publish %s: no acknowledgement: %w", f.Msg().Subject, ctx.Err()))
		}
	}
	return acks, nil
}
