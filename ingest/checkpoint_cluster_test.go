package ingest

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"mailassist/bus"
	"mailassist/internal/natstest"

	"github.com/nats-io/nats.go/jetstream"
)

// On a replicated stream, JetStream reports a failed compare-and-set with
// another error code than on a single replica. Two writers of one
// checkpoint on a 3-node cluster: the loser sees a CAS conflict (so the
// syncer reloads), never an error that would end the IMAP session.
func TestCheckpointConflictOnThreeReplicas(t *testing.T) {
	cl := natstest.StartCluster(t, 3)
	nc, err := bus.Connect(bus.ConnectOptions{URL: cl.URL, Name: t.Name()}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := bus.Open(ctx, nc, bus.Options{Replicas: 3})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := b.Checkpoints.Status(ctx); err != nil || st.Bucket() != bus.CheckpointsKV {
		t.Fatalf("checkpoints bucket: %v", err)
	}

	// Both create the key: the second create conflicts.
	one, err := loadCheckpoint(ctx, b.Checkpoints, "alice", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	two, err := loadCheckpoint(ctx, b.Checkpoints, "alice", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if err := one.advance(ctx, 7, 10); err != nil {
		t.Fatal(err)
	}
	if err := two.advance(ctx, 7, 12); !bus.IsCASConflict(err) {
		t.Fatalf("second create: err = %v, want a CAS conflict", err)
	}

	// Both update from the same revision: the second update conflicts.
	two, err = loadCheckpoint(ctx, b.Checkpoints, "alice", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if err := one.advance(ctx, 7, 20); err != nil {
		t.Fatal(err)
	}
	err = two.advance(ctx, 7, 15)
	if !bus.IsCASConflict(err) {
		t.Fatalf("stale update: err = %v, want a CAS conflict", err)
	}
	t.Logf("conflict on R3 as reported: %v", err)

	// After a reload the loser goes on from the winner's position.
	two, err = loadCheckpoint(ctx, b.Checkpoints, "alice", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if two.cur.LastUID != 20 {
		t.Fatalf("reloaded checkpoint at %d, want 20", two.cur.LastUID)
	}
	if err := two.advance(ctx, 7, 25); err != nil {
		t.Fatal(err)
	}

	// Writers racing on one key: while one write is in flight, a
	// replicated stream refuses the others with code 10164 ("wrong last
	// sequence", constant), which must count as a conflict too.
	var codes [2]int // 10071, 10164
	for round := range 20 {
		var cps []*checkpoints
		for range 6 {
			cp, err := loadCheckpoint(ctx, b.Checkpoints, "alice", "INBOX")
			if err != nil {
				t.Fatal(err)
			}
			cps = append(cps, cp)
		}
		errs := make(chan error, len(cps))
		for i, cp := range cps {
			go func() { errs <- cp.advance(ctx, 7, uint32(100+round*10+i)) }()
		}
		won := 0
		for range cps {
			err := <-errs
			var apiErr *jetstream.APIError
			switch {
			case err == nil:
				won++
			case !bus.IsCASConflict(err):
				t.Fatalf("racing writers: err = %v, want a CAS conflict", err)
			case errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant:
				codes[1]++
			default:
				codes[0]++
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d writers won, want 1", round, won)
		}
	}
	t.Logf("conflicts seen: %d with code 10071, %d with code 10164", codes[0], codes[1])
}
