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

	"mailassist/draft"
)

// The drafts apply filed are recorded in the drafts' ledger bucket
// (draft.LedgerBucket), under keys of their own: DraftKey(ref), value a
// draftRecord. It is how apply knows a draft is there without searching
// Drafts, however apply was asked to file it. The record lives as long as
// the ledger's (90 days after its last change), longer than the stream
// keeps the action that filed it, which may be redelivered or replayed
// until then.

// DraftKey is the key of a draft's X-Mailassist-Ref: the account (the
// ref's first part), "a", and a hash of the ref (the ledger's own keys
// have another shape: draft.LedgerBucket).
func DraftKey(ref string) string {
	account, _, _ := strings.Cut(ref, "/")
	sum := sha256.Sum256([]byte(ref))
	return account + ".a." + hex.EncodeToString(sum[:16])
}

// Draft states in the index.
const (
	// draftAppending is written before the APPEND: a record left in this
	// state means a crash between the two, so the draft may be there.
	draftAppending = "appending"
	// draftFiled is written once the server took the draft.
	draftFiled = "filed"
)

// draftRecord is the value of one draft.
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
	kv, err := a.Bus.KeyValue(ctx, draft.LedgerConfig())
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
