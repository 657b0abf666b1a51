package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Raw mail — the messages ingest fetched and the drafts the stages
// write — travels as bytes, never inside JSON, and exists on the bus once:
// in the mail_bodies KV bucket (one message per key, S2-compressed by the
// writer, see compressedSuffix) when it is at most Options.InlineMax,
// otherwise in the mail_raw object store. Both keep it for Options.RawMaxAge (default a day):
// every stage that needs it reads it well within that, and the IMAP
// server stays the archive. Events carry the key (raw_key, draft_key) or
// the object name (raw_object, draft_object), never the bytes; events of
// older versions carried them inline (raw, draft), which LoadBlob still
// reads.

// objectLoadTimeout bounds reading one object when the caller set no
// deadline.
const objectLoadTimeout = 2 * time.Minute

// ErrRawExpired means raw bytes an event refers to are no longer on the
// bus: older than stream.raw_max_age (or deleted).
var ErrRawExpired = errors.New("raw message no longer on the bus (older than stream.raw_max_age)")

// compressedSuffix ends the mail_bodies key of a body stored
// S2-compressed (block format, github.com/klauspost/compress/s2). The
// writer compresses, not only the store on disk, because the server holds
// each recently written block of the bucket in memory as written (about
// ten seconds of a drain's bodies); mail compresses to about 57 %. Names
// end in a UID (digits), so no key of an uncompressed body — written by
// older versions and still read — ends in it.
const compressedSuffix = ".s2"

// BodyKey is the mail_bodies key of the raw bytes stored under name (an
// identity "<account>/<uidvalidity>/<uid>", "sent/<identity>" or
// "draft/<identity>"): the name, which holds only characters a key may,
// and compressedSuffix.
func BodyKey(name string) string { return name + compressedSuffix }

// StoreBlob stores data under name where its size says: the mail_bodies
// bucket (key) when it is at most Options.InlineMax, else the mail_raw
// object store (object). Storing the same name twice is harmless (the
// content is the same).
func (b *Bus) StoreBlob(ctx context.Context, name string, data []byte) (key, object string, err error) {
	if len(data) <= b.inlineLimit() {
		key = BodyKey(name)
		if _, err := b.Bodies.Put(ctx, key, s2.Encode(nil, data)); err != nil {
			return "", "", fmt.Errorf("store %s (%d bytes): %w", name, len(data), err)
		}
		return key, "", nil
	}
	if _, err := b.Raw.PutBytes(ctx, name, data); err != nil {
		return "", "", fmt.Errorf("store %s (%d bytes): %w", name, len(data), err)
	}
	return "", name, nil
}

// StoreBlobAsync is StoreBlob that does not wait for JetStream's
// acknowledgement of a body that goes to the bucket: wait for ack (nil
// for an object, which is stored before it returns) before publishing
// the event that names it.
func (b *Bus) StoreBlobAsync(ctx context.Context, name string, data []byte) (key, object string, ack jetstream.PubAckFuture, err error) {
	if len(data) > b.inlineLimit() {
		_, object, err = b.StoreBlob(ctx, name, data)
		return "", object, nil, err
	}
	key = BodyKey(name)
	msg := &nats.Msg{Subject: KVSubject(BodiesKV, key), Data: s2.Encode(nil, data)}
	if ack, err = b.JS.PublishMsgAsync(msg); err != nil {
		return "", "", nil, fmt.Errorf("store %s (%d bytes): %w", name, len(data), err)
	}
	return key, "", ack, nil
}

// LoadBlob returns the bytes an event names: by key in mail_bodies, by
// object in mail_raw, or inline (events of older versions). Bytes that
// expired or were never stored are ErrRawExpired.
func (b *Bus) LoadBlob(ctx context.Context, inline []byte, key, object string) ([]byte, error) {
	switch {
	case key != "":
		e, err := b.Bodies.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return nil, fmt.Errorf("%w: key %s", ErrRawExpired, key)
		}
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", key, err)
		}
		if !strings.HasSuffix(key, compressedSuffix) {
			return e.Value(), nil
		}
		raw, err := s2.Decode(nil, e.Value())
		if err != nil {
			return nil, fmt.Errorf("load %s: decompress: %w", key, err)
		}
		return raw, nil
	case object != "":
		if _, ok := ctx.Deadline(); !ok {
			// Without a deadline the client allows its default 5 s for
			// the whole object: too short for 50 MB on a busy machine.
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, objectLoadTimeout)
			defer cancel()
		}
		data, err := b.Raw.GetBytes(ctx, object)
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			return nil, fmt.Errorf("%w: object %s", ErrRawExpired, object)
		}
		if err != nil {
			return nil, fmt.Errorf("load object %s: %w", object, err)
		}
		return data, nil
	}
	return inline, nil
}

// inlineLimit keeps a body, with the KV headers, under the server's max
// payload.
func (b *Bus) inlineLimit() int {
	limit := b.Opts.InlineMax
	if mp := int(b.NC.MaxPayload()); mp > 0 && mp-4<<10 < limit {
		limit = mp - 4<<10
	}
	return limit
}
