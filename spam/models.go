package spam

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"mailassist/bus"
)

var (
	modelLoads = promauto.NewCounter(prometheus.CounterOpts{
		Name: "mailassist_spam_model_loads_total",
		Help: "Account models read from the spam_models store (first use, another replica's save, or read back after spam.models_memory let it go).",
	})
	modelsLetGo = promauto.NewCounter(prometheus.CounterOpts{
		Name: "mailassist_spam_models_let_go_total",
		Help: "Account models let go from memory because the models held outgrew spam.models_memory.",
	})
)

// ModelsBucket is the object store holding each account's own model.
const ModelsBucket = "spam_models"

// metaLastKey names, in a saved model's metadata, the feedback it learnt
// last: the one feedback whose marker may be missing after a crash.
const metaLastKey = "last_feedback"

// Models holds the model each account classifies with: the base model
// (shipped or configured) until the account has its own in the
// spam_models object store. Every replica watches the store and reloads a
// model another replica saved.
type Models struct {
	base  *Model
	store jetstream.ObjectStore
	log   *slog.Logger
	// Budget bounds the memory of the accounts' own models held
	// (spam.models_memory, in bytes); beyond it the least recently used
	// are let go, and read back from the store at their account's next
	// message. 0: no bound.
	Budget int64
	clock  atomic.Uint64 // counts uses, for least recently used

	mu       sync.RWMutex
	accounts map[string]*accountModel
	// stored names the accounts that have a model in the store, as Watch
	// saw them; listed is set once Watch has seen every model stored at
	// its start. From then on an account not among them classifies with
	// the base model without asking the store: a thousand accounts' first
	// messages cost no request each.
	stored map[string]bool
	listed bool
}

type accountModel struct {
	model   *Model
	nuid    string // object revision it was loaded from; "" for the base
	lastKey string
	meta    map[string]string
	bytes   int64         // of its own, beyond the base model (heldBytes)
	used    atomic.Uint64 // Models.clock at its last use
}

// NewModels opens (creating it if needed) the model store.
func NewModels(ctx context.Context, b *bus.Bus, base *Model, log *slog.Logger) (*Models, error) {
	store, err := b.ObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      ModelsBucket,
		Description: "spam model of each account, refined by the user's feedback",
	})
	if err != nil {
		return nil, err
	}
	return &Models{base: base, store: store, log: log, accounts: map[string]*accountModel{}}, nil
}

// For returns the account's current model.
func (m *Models) For(ctx context.Context, account string) (*Model, error) {
	am, err := m.get(ctx, account)
	if err != nil {
		return nil, err
	}
	return am.model, nil
}

func (m *Models) get(ctx context.Context, account string) (*accountModel, error) {
	m.mu.RLock()
	am, ok := m.accounts[account]
	m.mu.RUnlock()
	if ok {
		am.used.Store(m.clock.Add(1))
		return am, nil
	}
	// Decided and set under one lock with Watch's marking of a stored
	// model: either Watch then finds the base model set and reloads, or
	// this finds the account stored and loads it.
	m.mu.Lock()
	if am, ok := m.accounts[account]; ok {
		m.mu.Unlock()
		return am, nil
	}
	if m.listed && !m.stored[account] {
		am := &accountModel{model: m.base}
		m.accounts[account] = am
		m.mu.Unlock()
		return am, nil
	}
	m.mu.Unlock()
	return m.reload(ctx, account)
}

// reload reads the account's model from the store (the base model when it
// has none) and makes it current.
func (m *Models) reload(ctx context.Context, account string) (*accountModel, error) {
	info, err := m.store.GetInfo(ctx, account)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		am := &accountModel{model: m.base}
		m.set(account, am)
		return am, nil
	}
	if err != nil {
		return nil, fmt.Errorf("model of %s: %w", account, err)
	}
	m.mu.RLock()
	cur, ok := m.accounts[account]
	m.mu.RUnlock()
	if ok && cur.nuid == info.NUID {
		return cur, nil
	}
	data, err := m.store.GetBytes(ctx, account)
	if err != nil {
		return nil, fmt.Errorf("load model of %s: %w", account, err)
	}
	model, err := Load(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode model of %s: %w", account, err)
	}
	rebased := model.Rebase(m.base) // learnt online from it: only what differs
	am := &accountModel{model: model, nuid: info.NUID, lastKey: info.Metadata[metaLastKey], meta: info.Metadata}
	m.set(account, am)
	modelLoads.Inc()
	m.log.Debug("spam model loaded", "account", account, "version", model.Version(), "over_base", rebased)
	return am, nil
}

// set makes am the account's current model. Beyond Budget, the least
// recently used other accounts' own models are let go.
func (m *Models) set(account string, am *accountModel) {
	if am.nuid != "" {
		am.bytes = am.model.heldBytes(m.base)
	}
	am.used.Store(m.clock.Add(1))
	m.mu.Lock()
	defer m.mu.Unlock()
	m.accounts[account] = am
	if am.nuid == "" || m.Budget <= 0 {
		return
	}
	for {
		held, lru, lruUsed := int64(0), "", uint64(math.MaxUint64)
		for name, a := range m.accounts {
			held += a.bytes // 0 for the base model: shared, costs nothing
			if used := a.used.Load(); a.nuid != "" && name != account && used < lruUsed {
				lru, lruUsed = name, used
			}
		}
		if held <= m.Budget || lru == "" {
			return
		}
		delete(m.accounts, lru) // get reads it back: Watch marked it stored
		modelsLetGo.Inc()
	}
}

// save stores the account's model with the feedback key it learnt last and
// makes it current here; other replicas pick it up through Watch. The
// rest of the current model's metadata is kept (the bootstrap's batch
// among it: a feedback saved between a bootstrap's save and its marks
// must not make the bootstrap learn its batch again).
func (m *Models) save(ctx context.Context, account string, model *Model, lastKey string) error {
	m.mu.RLock()
	am, ok := m.accounts[account]
	m.mu.RUnlock()
	if !ok { // let go since it was read (Budget): its metadata from the store
		var err error
		if am, err = m.reload(ctx, account); err != nil {
			return err
		}
	}
	meta := maps.Clone(am.meta)
	if meta == nil {
		meta = map[string]string{}
	}
	meta[metaLastKey] = lastKey
	return m.put(ctx, account, model, meta)
}

func (m *Models) put(ctx context.Context, account string, model *Model, meta map[string]string) error {
	var buf bytes.Buffer
	if err := model.Save(&buf); err != nil {
		return fmt.Errorf("encode model of %s: %w", account, err)
	}
	meta["version"] = model.Version()
	info, err := m.store.Put(ctx, jetstream.ObjectMeta{Name: account, Metadata: meta}, &buf)
	if err != nil {
		return fmt.Errorf("save model of %s: %w", account, err)
	}
	m.set(account, &accountModel{model: model, nuid: info.NUID, lastKey: meta[metaLastKey], meta: meta})
	return nil
}

// Current returns the account's latest model (reloaded from the store)
// and the metadata it was saved with (nil for the base model).
func (m *Models) Current(ctx context.Context, account string) (*Model, map[string]string, error) {
	am, err := m.reload(ctx, account)
	if err != nil {
		return nil, nil, err
	}
	return am.model, am.meta, nil
}

// Save stores a model the account learnt outside the feedback stage (the
// bootstrap), with meta added to its metadata; the feedback key it learnt
// last is kept. Callers serialize saves of one account.
func (m *Models) Save(ctx context.Context, account string, model *Model, meta map[string]string) error {
	am, err := m.reload(ctx, account)
	if err != nil {
		return err
	}
	md := map[string]string{metaLastKey: am.lastKey}
	for k, v := range meta {
		md[k] = v
	}
	return m.put(ctx, account, model, md)
}

// Watch reloads models that change in the store until ctx is done. It
// first lists the models stored (the watch's initial values), after which
// an account without one needs no look-up (get).
func (m *Models) Watch(ctx context.Context) error {
	w, err := m.store.Watch(ctx)
	if err != nil {
		return fmt.Errorf("watch %s: %w", ModelsBucket, err)
	}
	defer w.Stop()
	defer func() {
		m.mu.Lock()
		m.listed = false // no longer told of new models: ask the store again
		m.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case info, ok := <-w.Updates():
			if !ok {
				return nil
			}
			if info == nil { // every model stored at the start was seen
				m.mu.Lock()
				m.listed = true
				m.mu.Unlock()
				continue
			}
			m.mu.Lock()
			if m.stored == nil {
				m.stored = map[string]bool{}
			}
			m.stored[info.Name] = !info.Deleted
			cur, known := m.accounts[info.Name]
			m.mu.Unlock()
			if !known || cur.nuid == info.NUID {
				continue // not used here yet (loaded on demand), or our own save
			}
			if _, err := m.reload(ctx, info.Name); err != nil {
				m.log.Warn("reload spam model", "account", info.Name, "err", err)
			}
		}
	}
}
