package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sync/errgroup"

	"mailassist/configs"
	"mailassist/draft"
	"mailassist/escalate"
	"mailassist/habits"
	"mailassist/hardness"
	"mailassist/llm"
	"mailassist/reply"
	"mailassist/spam"
)

// runSpam classifies ingested mail and learns from the user's feedback.
func runSpam(ctx context.Context, e *env) error {
	base, err := baseModel(e.cfg.Spam.Model)
	if err != nil {
		return err
	}
	models, err := spam.NewModels(ctx, e.bus, base, e.log)
	if err != nil {
		return err
	}
	models.Budget = int64(e.cfg.Spam.ModelsMemory)
	trainer, err := spam.NewTrainer(ctx, e.bus, models)
	if err != nil {
		return err
	}
	trainer.Mailbox = e.cfg.Spam.Mailbox()
	st := &spam.Stage{Bus: e.bus, Accounts: e.cfg.Accounts, Models: models, Action: e.cfg.Spam.Action, Threshold: e.cfg.Spam.Threshold}
	learner, err := spamLearning(ctx, e, st, models)
	if err != nil {
		return err
	}
	if name := e.cfg.Spam.LLM; name != "" {
		c, err := e.llmClient(ctx, name)
		if err != nil {
			return err
		}
		gz := e.cfg.Spam.GrayZone
		if st.Gray, err = spam.NewGrayZone(ctx, e.bus, c, gz[0], gz[1], e.cfg.Spam.LLMTimeout.D()); err != nil {
			return err
		}
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return models.Watch(ctx) })
	g.Go(func() error { return e.bus.Run(ctx, withGrace(e, st.RunnerStage(e.cfg.Stages.Concurrency)), e.log) })
	g.Go(func() error { return e.bus.Run(ctx, withGrace(e, trainer.Stage()), e.log) })
	g.Go(func() error { return learner.Run(ctx, e.cfg.Accounts) })
	return g.Wait()
}

func baseModel(path string) (*spam.Model, error) {
	if path == "" {
		return spam.Default(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("spam.model: %w", err)
	}
	defer f.Close()
	m, err := spam.Load(f)
	if err != nil {
		return nil, fmt.Errorf("spam.model %s: %w", path, err)
	}
	return m, nil
}

// runReply suggests replies and drafts the best, or escalates hard threads.
func runReply(ctx context.Context, e *env) error {
	scorer, err := newScorer(e.cfg)
	if err != nil {
		return err
	}
	ledger, voice, err := e.drafts(ctx, true)
	if err != nil {
		return err
	}
	st := &reply.Stage{
		Bus: e.bus, Accounts: e.cfg.Accounts, Threshold: e.cfg.Reply.Threshold,
		Draft: e.cfg.Reply.Draft == reply.DraftTop, Scorer: scorer, MaxRecipients: e.cfg.Reply.MaxRecipients,
		Config: &e.cfg.Reply, Models: map[string]reply.Model{}, Voice: voice, Ledger: ledger,
	}
	for _, name := range e.cfg.Reply.LLMs() { // the section's and per_account's endpoints
		c, err := e.llmClient(ctx, name)
		if err != nil {
			return err
		}
		st.Models[name] = reply.Model{Chatter: c, Name: c.Model(), Large: name == "large",
			Voice: e.cfg.Reply.VoiceTo(endpoint(e.cfg, name).URL)}
	}
	if m, ok := st.Models[e.cfg.Reply.LLM]; ok {
		st.Model, st.ModelName = m.Chatter, m.Name
	}
	if err := st.Open(ctx); err != nil {
		return err
	}
	h, err := replyHabits(ctx, e)
	if err != nil {
		return err
	}
	st.Habits = h
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return h.Store.Watch(ctx) })
	g.Go(func() error { return e.bus.Run(ctx, withGrace(e, h.SentStage(e.cfg.Stages.Concurrency)), e.log) })
	g.Go(func() error { return e.bus.Run(ctx, withGrace(e, h.ReceivedStage(e.cfg.Stages.Concurrency)), e.log) })
	g.Go(func() error { return e.bus.Run(ctx, withGrace(e, h.FateStage(e.cfg.Stages.Concurrency)), e.log) })
	g.Go(func() error { return e.bus.Run(ctx, withGrace(e, st.RunnerStage(e.cfg.Stages.Concurrency)), e.log) })
	g.Go(func() error { return e.bus.Run(ctx, withGrace(e, voice.Stage(1)), e.log) })
	return g.Wait()
}

// replyHabits opens the accounts' reply habits (reply.trigger).
func replyHabits(ctx context.Context, e *env) (*reply.Habits, error) {
	store, err := habits.Open(ctx, e.bus, e.log)
	if err != nil {
		return nil, err
	}
	return &reply.Habits{Bus: e.bus, Accounts: e.cfg.Accounts, Store: store, Config: e.cfg.Reply.Trigger, Threshold: e.cfg.Reply.Threshold}, nil
}

// runEscalate sends hard threads to the large model, or to the human.
func runEscalate(ctx context.Context, e *env) error {
	scorer, err := newScorer(e.cfg)
	if err != nil {
		return err
	}
	ec := e.cfg.Escalate
	opts := escalate.Options{ThreadTokens: ec.ThreadTokens, MaxWait: ec.MaxWait.D()}
	if ec.LLM != escalate.LLMNone {
		ep := endpoint(e.cfg, ec.LLM)
		c, err := e.llmClient(ctx, ec.LLM)
		if err != nil {
			return err
		}
		kv, err := e.bus.KeyValue(ctx, escalate.BudgetBucketConfig())
		if err != nil {
			return err
		}
		opts.Large, opts.Model, opts.Timeout = c, c.Model(), ep.Timeout.D()
		opts.Budget = escalate.NewBudget(kv, ec.MaxPerHour, nil)
	}
	ledger, voice, err := e.drafts(ctx, true)
	if err != nil {
		return err
	}
	st := &escalate.Stage{Bus: e.bus, Accounts: e.cfg.Accounts, Scorer: scorer, Escalator: escalate.NewEscalator(opts),
		MaxRecipients: e.cfg.Reply.MaxRecipients, Ledger: ledger,
		Signature: func(ctx context.Context, account string) (string, error) {
			return reply.SignatureFor(ctx, &e.cfg.Reply, voice, account)
		}}
	return e.bus.Run(ctx, withGrace(e, st.RunnerStage(e.cfg.Stages.Concurrency)), e.log)
}

// newScorer builds the hardness score from the escalate section.
func newScorer(cfg *configs.Config) (*hardness.Scorer, error) {
	return cfg.Escalate.Scorer()
}

// endpoint is the configured endpoint called name.
func endpoint(cfg *configs.Config, name string) *llm.Endpoint { return cfg.LLM.Endpoint(name) }

// llmClient returns the client of the configured endpoint called name,
// one per process so that every stage that uses the endpoint shares its
// slots (one of them kept for the spam gray zone when it shares the
// endpoint). At start it checks that the model exists: a model that is
// not there is an error; a server that does not answer is not — the
// stages use their fallbacks (built-in replies, the spam model's own
// verdict; escalations wait) and a background check notices its return.
func (e *env) llmClient(ctx context.Context, name string) (*llm.Client, error) {
	e.llmMu.Lock()
	defer e.llmMu.Unlock()
	if c, ok := e.llms[name]; ok {
		return c, nil
	}
	cfg := endpoint(e.cfg, name).Config()
	cfg.Name, cfg.Outages = name, e.outages
	if e.cfg.SharesGrayZone(name) {
		cfg.Reserved = 1
	}
	c, err := llm.New(cfg)
	if err != nil {
		return nil, err
	}
	e.outages.Register(llm.Dependency(name))
	switch err := c.Check(ctx); {
	case errors.Is(err, llm.ErrUnavailable):
		e.log.Warn("language model not reachable at start; stages use their fallbacks until it answers", "llm", name, "err", err)
		e.bg.Go(func() { c.WatchUntilUp(ctx, llmRecheck) })
	case err != nil:
		return nil, err
	}
	e.llms[name] = c
	return c, nil
}

// llmRecheck is how often an endpoint that did not answer at start is
// asked again.
const llmRecheck = 15 * time.Second

// drafts returns the drafts' ledger and, with voice, the users' voice,
// each opened once per process: the roles that share them (reply,
// escalate, apply) do not race to create their buckets.
func (e *env) drafts(ctx context.Context, voice bool) (*draft.Ledger, *reply.Voice, error) {
	e.draftsMu.Lock()
	defer e.draftsMu.Unlock()
	if e.ledger == nil {
		l, err := draft.OpenLedger(ctx, e.bus)
		if err != nil {
			return nil, nil, err
		}
		e.ledger = l
	}
	if voice && e.voice == nil {
		v := &reply.Voice{Bus: e.bus, Accounts: e.cfg.Accounts}
		if err := v.Open(ctx); err != nil {
			return nil, nil, err
		}
		e.voice = v
	}
	return e.ledger, e.voice, nil
}
