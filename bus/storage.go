package bus

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"mailassist/outage"
	"mailassist/setting"
)

// Space is the room on the file system of a directory.
type Space struct {
	Free  uint64 // bytes an unprivileged process may still write
	Total uint64
}

// storeShare is the part of the free space the embedded NATS server lets
// JetStream reserve (nats-server's dynamic max store: 75%).
const storeShare = 0.75

// CheckStoreSpace tells, before the embedded server creates the stream,
// whether stream.max_bytes fits in data_dir: the server reserves it out
// of 75% of what the file system has free plus what its store already
// takes, and refuses the stream otherwise with a message that does not
// say what to change. The error names the key to lower.
func CheckStoreSpace(dataDir string, maxBytes int64) error {
	sp, err := DiskSpace(dataDir)
	if err != nil {
		return nil // cannot tell here: the server will
	}
	used := dirSize(filepath.Join(dataDir, "nats"))
	limit := uint64(float64(sp.Free+used) * storeShare)
	if uint64(maxBytes) <= limit {
		return nil
	}
	return fmt.Errorf("stream.max_bytes (%s) does not fit in data_dir %s: its file system has %s free (the stream store takes %s more), of which the embedded NATS server may reserve 75%%, %s; lower stream.max_bytes to %s or less, or free space, or move data_dir",
		setting.ByteSize(maxBytes), dataDir, setting.ByteSize(sp.Free), setting.ByteSize(used), setting.ByteSize(limit), setting.ByteSize(limit&^(1<<20-1)))
}

// dirSize is the size of the files under dir (0 when it does not exist).
func dirSize(dir string) uint64 {
	var n uint64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += uint64(info.Size())
			}
		}
		return nil
	})
	return n
}

// StorageWatch watches the storage of the bus and tells the outage
// tracker (DependencyStorage) when it cannot store: the file system of
// data_dir (local store) running out of room, or the embedded server's
// JetStream failing a write. While storage is down the stages pull
// nothing and ingest waits; nothing is lost, since nothing was taken.
// When room is back it brings storage back up — restarting the embedded
// server's JetStream first if a write failed (nats-server keeps a store
// that failed a write failed until it is reopened).
type StorageWatch struct {
	Bus *Bus
	// Dir is data_dir when the store is local (the embedded server);
	// empty for an external server, whose storage only errors reveal.
	Dir string
	// Embedded is the process's embedded server, or nil.
	Embedded *Embedded
	// MinFree is the room below which storage counts as full. Default
	// 16MiB (two of the largest messages the embedded server takes).
	MinFree uint64
	// Interval between checks. Default 2s.
	Interval time.Duration
	Log      *slog.Logger

	restarted time.Time
}

// Run checks until ctx is done.
func (w *StorageWatch) Run(ctx context.Context) {
	if w.MinFree == 0 {
		w.MinFree = 16 << 20
	}
	if w.Interval <= 0 {
		w.Interval = 2 * time.Second
	}
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	for {
		w.check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *StorageWatch) check(ctx context.Context) {
	tr := w.Bus.Outages
	if full := w.room(); full != nil {
		tr.Down(DependencyStorage, full) // room first: a restart now would fail again
		return
	}
	if failed := w.Embedded.storeError(); failed != nil {
		tr.Down(DependencyStorage, failed)
		w.restart() // there is room: reopen the stores, the next check probes
		return
	}
	if !tr.IsUp(DependencyStorage) {
		if err := w.probe(ctx); err != nil {
			w.Log.Debug("storage still cannot write", "err", err)
			return
		}
		tr.Up(DependencyStorage)
	}
}

// room reports that data_dir's file system is (nearly) full.
func (w *StorageWatch) room() error {
	if w.Dir == "" {
		return nil
	}
	sp, err := DiskSpace(w.Dir)
	if err != nil || sp.Free >= w.MinFree {
		return nil
	}
	return fmt.Errorf("%w: data_dir %s has %s free (pulling pauses below %s)", outage.ErrStorageFull, w.Dir, setting.ByteSize(sp.Free), setting.ByteSize(w.MinFree))
}

// probe writes to the bus, to see that storage takes writes again.
func (w *StorageWatch) probe(ctx context.Context) error {
	if w.Bus.Failures == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	const key = "_probe"
	if _, err := w.Bus.Failures.Put(ctx, key, []byte(time.Now().UTC().Format(time.RFC3339))); err != nil {
		return err
	}
	return w.Bus.Failures.Delete(ctx, key)
}

func (w *StorageWatch) restart() {
	if time.Since(w.restarted) < 30*time.Second {
		return
	}
	w.restarted = time.Now()
	w.Log.Warn("storage has room again; restarting the embedded server's JetStream to reopen a store that failed a write")
	if err := w.Embedded.restartJetStream(); err != nil {
		w.Log.Error("restarting JetStream failed; restart mailassist", "err", err)
	}
}

// storeError reports a write the embedded server's JetStream failed (its
// stores keep failing until reopened), or JetStream being off.
func (e *Embedded) storeError() error {
	if e == nil {
		return nil
	}
	if !e.srv.JetStreamEnabled() {
		return fmt.Errorf("%w: the embedded server's JetStream is disabled", outage.ErrStorageFull)
	}
	h := e.srv.Healthz(&server.HealthzOptions{Details: true})
	for _, he := range h.Errors {
		if he.Type == server.HealthzErrorStream || he.Type == server.HealthzErrorConsumer {
			return fmt.Errorf("%w: %s", outage.ErrStorageFull, he.Error)
		}
	}
	return nil
}

// restartJetStream reopens every store of the embedded server.
func (e *Embedded) restartJetStream() error {
	dir := e.srv.StoreDir() // <data_dir>/nats/jetstream
	if dir == "" {
		return errors.New("the embedded server has no JetStream store")
	}
	if err := e.srv.ShutdownJetStream(); err != nil {
		return fmt.Errorf("stop JetStream: %w", err)
	}
	if err := e.srv.EnableJetStream(&server.JetStreamConfig{StoreDir: filepath.Dir(dir)}); err != nil {
		return fmt.Errorf("start JetStream: %w", err)
	}
	return nil
}
