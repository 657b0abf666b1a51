package apply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DraftsBucket is the KV bucket of the drafts apply filed: key
// DraftKey(ref), value a draftRecord. It is how apply knows a draft is
// there without searching Drafts, and where a later action that replaces
// or removes a draft finds its UID.
const DraftsBucket = "mail_drafts"

// DraftsBucketConfig is the bucket's configuration: a record lives as long
// as the stream keeps the action that filed it, which may be redelivered
// or replayed until then.
func DraftsBucketConfig(maxAge time.Duration) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      DraftsBucket,
		Description: "drafts apply filed, by X-Mailassist-Ref: appending, or filed with their UID",
		TTL:         maxAge,
	}
}

// DraftKey is the mail_drafts key of a draft's X-Mailassist-Ref: the
// account (the ref's first part) and a hash of the ref.
func DraftKey(ref string) string {
	account, _, _ := strings.Cut(ref, "/")
	sum := sha256.Sum256([]byte(ref))
	return account + "." + hex.EncodeToString(sum[:16])
}

// Draft states in the index.
const (
	// draftAppending is written before the APPEND: a record left in this
	// state means a crash between the two, so the draft may be there.
	draftAppending = "appending"
	// draftFiled is written once the server took the draft.
	draftFiled = "filed"
)

// draftRecord is the mail_drafts value of one draft.
type draftRecord struct {
	Ref         string    `json:"ref"`
	State       string    `json:"state"`
	Mailbox     string    `json:"mailbox"`
	UIDValidity uint32    `json:"uidvalidity,omitempty"`
	UID         uint32    `json:"uid,omitempty"` // 0 when the server has no UIDPLUS
	At          time.Time `json:"at"`
}

// draftIndex opens the bucket on first use.
func (a *Applier) draftIndex(ctx context.Context) (jetstream.KeyValue, error) {
	a.draftsMu.Lock()
	defer a.draftsMu.Unlock()
	if a.drafts != nil {
		return a.drafts, nil
	}
	kv, err := a.Bus.KeyValue(ctx, DraftsBucketConfig(a.Bus.Opts.MaxAge))
	if err != nil {
		return nil, err
	}
	a.drafts = kv
	return kv, nil
}

// lookupDraft returns the index's record of ref, nil when there is none.
func lookupDraft(ctx context.Context, kv jetstream.KeyValue, ref string) (*draftRecord, error) {
	e, err := kv.Get(ctx, DraftKey(ref))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up draft %s: %w", ref, err)
	}
	var r draftRecord
	if err := json.Unmarshal(e.Value(), &r); err != nil || r.Ref != ref {
		return &draftRecord{Ref: ref, State: draftAppending}, nil // unreadable: unsure
	}
	return &r, nil
}

func recordDraft(ctx context.Context, kv jetstream.KeyValue, r draftRecord) error {
	r.At = time.Now().UTC()
	val, _ := json.Marshal(r)
	if _, err := kv.Put(ctx, DraftKey(r.Ref), val); err != nil {
		return fmt.Errorf("record draft %s %s: %w", r.Ref, r.State, err)
	}
	return nil
}
