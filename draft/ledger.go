package draft

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/mailmsg"
)

// LedgerBucket is the KV bucket of the drafts mailassist filed and their
// fate (docs/events.md, State buckets).
const LedgerBucket = "mail_drafts"

// LedgerTTL is how long a record outlives its last change.
const LedgerTTL = 90 * 24 * time.Hour

// State is where a draft is in its life, as the ledger knows it.
type State string

// States of a draft.
const (
	StateRequested  State = "requested"  // the draft action was published; apply has not filed it yet
	StateFiled      State = "filed"      // apply appended it to Drafts (or found it there)
	StateWithheld   State = "withheld"   // apply kept the thread's draft the user edited instead: never filed
	StateSuperseded State = "superseded" // a newer draft of the thread came before apply filed it: never filed
	StateRemoved    State = "removed"    // apply removed it from Drafts: replaced, or after the user's reply
)

// Record is one draft mailassist asked to file: what it answers, what it
// said, who wrote it, and what became of it.
type Record struct {
	// Original is the message the draft answers; its ID is the draft's
	// X-Mailassist-Ref.
	Original bus.Ref `json:"original"`
	// MessageID is the draft's own Message-ID and InReplyTo the one it
	// answers, both without angle brackets.
	MessageID string `json:"message_id,omitempty"`
	InReplyTo string `json:"in_reply_to,omitempty"`
	// Thread are the Message-IDs the draft is found by (ThreadKeys).
	Thread []string `json:"thread,omitempty"`
	// Digest and Text are the draft's as filed: Digest and ReplyText.
	Digest string          `json:"digest,omitempty"`
	Text   string          `json:"text,omitempty"`
	Source bus.DraftSource `json:"source"`
	Intent string          `json:"intent,omitempty"`
	Model  string          `json:"model,omitempty"`
	Stage  string          `json:"stage"`
	Filed  time.Time       `json:"filed_at"`
	State  State           `json:"state"`
	UID    uint32          `json:"uid,omitempty"` // in Drafts, once filed
	Edited bool            `json:"edited,omitempty"`
	// MissingSince is when the draft was first found gone from Drafts
	// without a reply in its thread; a reply may still be on its way.
	MissingSince time.Time     `json:"missing_since,omitzero"`
	Fate         bus.DraftFate `json:"fate,omitempty"`
	FateAt       time.Time     `json:"fate_at,omitzero"`
	EditDistance float64       `json:"edit_distance,omitempty"`
	SentID       string        `json:"sent_id,omitempty"`
	SentMsgID    string        `json:"sent_message_id,omitempty"`
	ReplacedBy   string        `json:"replaced_by,omitempty"`
	// Announced is the fate whose feedback event was published.
	Announced bus.DraftFate `json:"announced,omitempty"`
}

// Ref is the draft's X-Mailassist-Ref.
func (r *Record) Ref() string { return r.Original.ID }

// Open reports whether the draft may still be in Drafts waiting for the
// user: filed (or about to be) and without a final fate.
func (r *Record) Open() bool {
	return (r.State == StateRequested || r.State == StateFiled) && !Final(r.Fate)
}

// Final reports whether a fate is the last word: every fate but pending
// (and none).
func Final(f bus.DraftFate) bool { return f != "" && f != bus.FatePending }

// Ledger is the record of the drafts mailassist filed, in the bus's KV:
// per account, each draft by its ref, the newest draft of each thread,
// the drafts still open, and how the user received each intent.
type Ledger struct {
	kv jetstream.KeyValue
}

// LedgerConfig is the bucket's configuration.
func LedgerConfig() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket: LedgerBucket, TTL: LedgerTTL,
		Description: "the drafts mailassist filed and their fate, per account (docs/events.md)",
	}
}

// OpenLedger creates or opens the ledger's bucket.
func OpenLedger(ctx context.Context, b *bus.Bus) (*Ledger, error) {
	kv, err := b.KeyValue(ctx, LedgerConfig())
	if err != nil {
		return nil, err
	}
	return &Ledger{kv: kv}, nil
}

// ErrNoLedger: no role has created the ledger's bucket yet (no draft was
// filed).
var ErrNoLedger = errors.New("draft ledger: no drafts followed yet (bucket " + LedgerBucket + " does not exist)")

// OpenLedgerReadOnly opens the ledger's bucket without creating it, for
// a reader such as `mailassist reply stats`: ErrNoLedger when it does not
// exist.
func OpenLedgerReadOnly(ctx context.Context, b *bus.Bus) (*Ledger, error) {
	kv, err := b.JS.KeyValue(ctx, LedgerBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, ErrNoLedger
	}
	if err != nil {
		return nil, fmt.Errorf("open kv %s: %w", LedgerBucket, err)
	}
	return &Ledger{kv: kv}, nil
}

// Keys: <account>.d.<uidvalidity>.<uid> for a draft (its ref's parts),
// <account>.o.<uidvalidity>.<uid> while it is open, <account>.t.<hash of
// a Message-ID> for a thread, <account>.intents for the intents' tally.
func recordKey(ref string) (string, error) { return refKey(ref, "d") }
func openKey(ref string) (string, error)   { return refKey(ref, "o") }

func refKey(ref, kind string) (string, error) {
	account, uv, uid, err := bus.ParseIdentity(ref)
	if err != nil {
		return "", err
	}
	return account + "." + kind + "." + strconv.FormatUint(uint64(uv), 10) + "." + strconv.FormatUint(uint64(uid), 10), nil
}

// refOfKey is the ref a record or open key names.
func refOfKey(key string) (string, bool) {
	parts := strings.Split(key, ".")
	if len(parts) != 4 {
		return "", false
	}
	return parts[0] + "/" + parts[2] + "/" + parts[3], true
}

func threadKey(account, messageID string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.Trim(messageID, "<> "))))
	return account + ".t." + hex.EncodeToString(sum[:12])
}

// ThreadKeys are the Message-IDs a draft that answers m is found by: m's
// own, the thread's first (References) and m's parent (In-Reply-To).
func ThreadKeys(m *mailmsg.Message) []string {
	ids := []string{m.MessageID}
	if len(m.References) > 0 {
		ids = append(ids, m.References[0])
	}
	if len(m.InReplyTo) > 0 {
		ids = append(ids, m.InReplyTo[0])
	}
	return dedupe(ids)
}

// LookupKeys are the Message-IDs that find the drafts of the thread a
// message answers: all of its In-Reply-To, and the first and last of
// its References (a message that answers a draft's original names it
// in In-Reply-To; one that answers a later message of the thread names
// the thread's first in References).
func LookupKeys(inReplyTo, references []string) []string {
	ids := append([]string(nil), inReplyTo...)
	if n := len(references); n > 0 {
		ids = append(ids, references[0], references[n-1])
	}
	return dedupe(ids)
}

func dedupe(ids []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		id = strings.Trim(id, "<> ")
		if id != "" && !seen[strings.ToLower(id)] {
			seen[strings.ToLower(id)] = true
			out = append(out, id)
		}
	}
	return out
}

// Get returns the record of the draft ref, or nil when there is none.
func (l *Ledger) Get(ctx context.Context, ref string) (*Record, error) {
	r, _, err := l.get(ctx, ref)
	return r, err
}

func (l *Ledger) get(ctx context.Context, ref string) (*Record, uint64, error) {
	key, err := recordKey(ref)
	if err != nil {
		return nil, 0, err
	}
	e, err := l.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("draft ledger: get %s: %w", ref, err)
	}
	var r Record
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		return nil, 0, fmt.Errorf("draft ledger: record %s: %w", ref, err)
	}
	return &r, e.Revision(), nil
}

// Update changes the record of the draft ref with f, compare-and-set:
// f runs again on the latest record when another writer came first, and
// returns whether it changed anything. The result is the record after
// the update (nil when there is none: f is not called) and whether this
// call changed it.
func (l *Ledger) Update(ctx context.Context, ref string, f func(r *Record) bool) (*Record, bool, error) {
	key, err := recordKey(ref)
	if err != nil {
		return nil, false, err
	}
	for attempt := 0; ; attempt++ {
		r, rev, err := l.get(ctx, ref)
		if err != nil || r == nil {
			return r, false, err
		}
		if !f(r) {
			return r, false, nil
		}
		data, err := json.Marshal(r)
		if err != nil {
			return nil, false, err
		}
		_, err = l.kv.Update(ctx, key, data, rev)
		if err == nil {
			return r, true, l.syncOpen(ctx, r)
		}
		if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) || attempt == 20 {
			return nil, false, fmt.Errorf("draft ledger: update %s: %w", ref, err)
		}
	}
}

// syncOpen keeps the open key of a record in step with it: present
// while the draft is filed and has no final fate.
func (l *Ledger) syncOpen(ctx context.Context, r *Record) error {
	key, err := openKey(r.Ref())
	if err != nil {
		return err
	}
	if r.State == StateFiled && !Final(r.Fate) {
		if _, err := l.kv.Put(ctx, key, nil); err != nil {
			return fmt.Errorf("draft ledger: mark %s open: %w", r.Ref(), err)
		}
		return nil
	}
	if err := l.kv.Delete(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("draft ledger: mark %s closed: %w", r.Ref(), err)
	}
	return nil
}

// Request records a draft about to be filed, and makes it the newest of
// its thread. A record that exists already (a redelivery) is kept as it
// is.
func (l *Ledger) Request(ctx context.Context, r *Record) error {
	key, err := recordKey(r.Ref())
	if err != nil {
		return err
	}
	r.State = StateRequested
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	switch _, err := l.kv.Create(ctx, key, data); {
	case errors.Is(err, jetstream.ErrKeyExists):
	case err != nil:
		return fmt.Errorf("draft ledger: record %s: %w", r.Ref(), err)
	}
	for _, id := range r.Thread {
		if _, err := l.kv.Put(ctx, threadKey(r.Original.Account, id), []byte(r.Ref())); err != nil {
			return fmt.Errorf("draft ledger: thread of %s: %w", r.Ref(), err)
		}
	}
	return nil
}

// Thread returns the records of the drafts of the thread that the
// Message-IDs ids name (LookupKeys), newest first, without except.
func (l *Ledger) Thread(ctx context.Context, account string, ids []string, except string) ([]*Record, error) {
	var out []*Record
	seen := map[string]bool{except: true}
	for _, id := range ids {
		e, err := l.kv.Get(ctx, threadKey(account, id))
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("draft ledger: thread: %w", err)
		}
		ref := string(e.Value())
		if seen[ref] {
			continue
		}
		seen[ref] = true
		r, err := l.Get(ctx, ref)
		if err != nil {
			return nil, err
		}
		if r != nil {
			out = append(out, r)
		}
	}
	for i := 1; i < len(out); i++ { // newest first; a handful at most
		for j := i; j > 0 && out[j].Filed.After(out[j-1].Filed); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// Live returns the thread's open draft (Thread, Open), newest first, or
// nil.
func (l *Ledger) Live(ctx context.Context, account string, ids []string, except string) (*Record, error) {
	rs, err := l.Thread(ctx, account, ids, except)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.Open() {
			return r, nil
		}
	}
	return nil, nil
}

// OpenDrafts returns the refs of the drafts that are filed and have no
// final fate, by account.
func (l *Ledger) OpenDrafts(ctx context.Context) (map[string][]string, error) {
	keys, err := l.keys(ctx, "*.o.>")
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, k := range keys {
		if ref, ok := refOfKey(k); ok {
			account, _, _ := strings.Cut(ref, "/")
			out[account] = append(out[account], ref)
		}
	}
	return out, nil
}

func (l *Ledger) keys(ctx context.Context, filter string) ([]string, error) {
	lister, err := l.kv.ListKeysFiltered(ctx, filter)
	if err != nil {
		if errors.Is(err, jetstream.ErrNoKeysFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("draft ledger: list %s: %w", filter, err)
	}
	defer lister.Stop()
	var out []string
	for k := range lister.Keys() {
		out = append(out, k)
	}
	return out, nil
}
