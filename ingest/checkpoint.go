package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
)

// checkpoints reads and advances {uidvalidity, last_uid} for one mailbox
// with compare-and-set, so two writers can never move it backwards.
type checkpoints struct {
	kv       jetstream.KeyValue
	account  string
	mailbox  string
	key      string
	revision uint64 // 0: the key does not exist yet
	cur      *bus.Checkpoint
}

// CheckpointKey is the KV key of an account's mailbox: the account name and
// a hash of the mailbox name (mailbox names may hold any character).
func CheckpointKey(account, mailbox string) string {
	sum := sha256.Sum256([]byte(mailbox))
	return account + "." + hex.EncodeToString(sum[:8])
}

func loadCheckpoint(ctx context.Context, kv jetstream.KeyValue, account, mailbox string) (*checkpoints, error) {
	cp := &checkpoints{kv: kv, account: account, mailbox: mailbox, key: CheckpointKey(account, mailbox)}
	e, err := kv.Get(ctx, cp.key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return cp, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load checkpoint %s: %w", cp.key, err)
	}
	var c bus.Checkpoint
	if err := json.Unmarshal(e.Value(), &c); err != nil {
		return nil, fmt.Errorf("decode checkpoint %s: %w", cp.key, err)
	}
	cp.revision, cp.cur = e.Revision(), &c
	return cp, nil
}

// advance stores the new position. It fails if someone else wrote the key
// since it was read; the caller then reloads and starts over.
func (cp *checkpoints) advance(ctx context.Context, uidValidity, lastUID uint32) error {
	if cp.cur != nil && cp.cur.UIDValidity == uidValidity && cp.cur.LastUID >= lastUID {
		return nil
	}
	next := bus.Checkpoint{Account: cp.account, Mailbox: cp.mailbox, UIDValidity: uidValidity, LastUID: lastUID, Updated: time.Now().UTC()}
	val, _ := json.Marshal(next)
	var rev uint64
	var err error
	if cp.revision == 0 {
		rev, err = cp.kv.Create(ctx, cp.key, val)
	} else {
		rev, err = cp.kv.Update(ctx, cp.key, val, cp.revision)
	}
	if err != nil {
		return fmt.Errorf("advance checkpoint %s to %d/%d: %w", cp.key, uidValidity, lastUID, err)
	}
	cp.revision, cp.cur = rev, &next
	return nil
}
