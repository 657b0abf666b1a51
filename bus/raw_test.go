package bus_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"mailassist/bus"
	"mailassist/internal/natstest"
)

// rawMail is a message as compressible as mail is (headers, quoted text).
func rawMail() []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.org\r\nTo: b@example.org\r\nSubject: the report\r\n\r\n")
	for range 200 {
		b.WriteString("> Thanks for the report, I will read it tomorrow morning.\r\n")
	}
	return b.Bytes()
}

func TestBodiesAreStoredCompressed(t *testing.T) {
	b := natstest.New(t)
	ctx := context.Background()
	raw := rawMail()

	key, object, err := b.StoreBlob(ctx, "acct/7/42", raw)
	if err != nil || object != "" {
		t.Fatalf("StoreBlob: key %q object %q err %v", key, object, err)
	}
	key2, _, ack, err := b.StoreBlobAsync(ctx, "acct/7/43", raw)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-ack.Ok():
	case err := <-ack.Err():
		t.Fatal(err)
	}
	for _, k := range []string{key, key2} {
		e, err := b.Bodies.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(e.Value()); n >= len(raw)/2 {
			t.Errorf("%s: %d bytes in the bucket for %d raw, want compressed", k, n, len(raw))
		}
		back, err := b.LoadBlob(ctx, nil, k, "")
		if err != nil || !bytes.Equal(back, raw) {
			t.Errorf("%s: read back %d bytes (%v), want the %d stored", k, len(back), err, len(raw))
		}
	}
}

func TestBodiesOfOlderVersionsStillRead(t *testing.T) {
	b := natstest.New(t)
	ctx := context.Background()
	raw := rawMail()
	// Before the writer compressed, the key was the name and the value
	// the message as fetched.
	if _, err := b.Bodies.Put(ctx, "acct/7/44", raw); err != nil {
		t.Fatal(err)
	}
	back, err := b.LoadBlob(ctx, nil, "acct/7/44", "")
	if err != nil || !bytes.Equal(back, raw) {
		t.Fatalf("read back %d bytes (%v), want the %d stored", len(back), err, len(raw))
	}
}

func TestDamagedBodyIsAnError(t *testing.T) {
	b := natstest.New(t)
	ctx := context.Background()
	key := bus.BodyKey("acct/7/45")
	if _, err := b.Bodies.Put(ctx, key, []byte("not s2 at all")); err != nil {
		t.Fatal(err)
	}
	_, err := b.LoadBlob(ctx, nil, key, "")
	if err == nil || !strings.Contains(err.Error(), "decompress") || errors.Is(err, bus.ErrRawExpired) {
		t.Fatalf("LoadBlob of a damaged body: %v, want a decompress error", err)
	}
}
