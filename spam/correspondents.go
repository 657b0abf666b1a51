package spam

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
)

// CorrespondentsBucket holds, per account, the addresses the user has
// written to.
const CorrespondentsBucket = "spam_correspondents"

// Correspondents are the addresses each account's user has written to
// (learnt from the Sent folder, at bootstrap and as the user sends): mail
// from them is kept out of Junk unless the evidence is overwhelming and
// the message fails sender authentication.
type Correspondents struct {
	kv jetstream.KeyValue
}

// OpenCorrespondents opens (creating it if needed) the bucket.
func OpenCorrespondents(ctx context.Context, b *bus.Bus) (*Correspondents, error) {
	kv, err := b.KeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      CorrespondentsBucket,
		Description: "addresses each account's user has written to",
	})
	if err != nil {
		return nil, err
	}
	return &Correspondents{kv: kv}, nil
}

func correspondentKey(account, addr string) string {
	return seenKey(account, strings.ToLower(strings.TrimSpace(addr)))
}

// Known reports whether the user of account has written to addr.
func (c *Correspondents) Known(ctx context.Context, account, addr string) (bool, error) {
	if c == nil || addr == "" {
		return false, nil
	}
	_, err := c.kv.Get(ctx, correspondentKey(account, addr))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return false, nil
	}
	return false, fmt.Errorf("look up correspondent: %w", err)
}

// Add records that the user of account wrote to each of addrs; it returns
// how many were new.
func (c *Correspondents) Add(ctx context.Context, account string, addrs []string) (int, error) {
	added := 0
	for _, a := range addrs {
		a = strings.ToLower(strings.TrimSpace(a))
		if !strings.Contains(a, "@") {
			continue
		}
		_, err := c.kv.Create(ctx, correspondentKey(account, a), []byte(a))
		switch {
		case err == nil:
			added++
		case errors.Is(err, jetstream.ErrKeyExists):
		default:
			return added, fmt.Errorf("record correspondent: %w", err)
		}
	}
	return added, nil
}
