package bus

import (
	"context"
	"encoding/json"
	"fmt"

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
	_, err := b.Publish(ctx, Subject(KindAction, a.Account), MsgID(a.Stage+"/"+string(a.Kind), a.ID), a)
	return err
}
