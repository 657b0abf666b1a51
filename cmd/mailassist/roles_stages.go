package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sync/errgroup"

	"mailassist/configs"
	"mailassist/escalate"
	"mailassist/ingest"
	"mailassist/llm"
	"mailassist/mailmsg"
	"mailassist/reply"
	"mailassist/spam"
)

// runSpam classifies ingested mail and learns from the user's feedback.
func runSpam(ctx context.Context, e *env, _ *ingest.Registry) error {
	base, err := baseModel(e.cfg.Spam.Model)
	if err != nil {
		return err
	}
	models, err := spam.NewModels(ctx, e.bus, base, e.log)
	if err != nil {
		return err
	}
	trainer, err := spam.NewTrainer(ctx, e.bus, models, e.log)
	if err != nil {
		return err
	}
	st := &spam.Stage{Bus: e.bus, Models: models, Action: e.cfg.Spam.Action, Threshold: e.cfg.Spam.Threshold, Log: e.log}
	if name := e.cfg.Spam.LLM; name != "" {
		c, err := llmClient(ctx, endpoint(e.cfg, name))
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
func runReply(ctx context.Context, e *env, _ *ingest.Registry) error {
	scorer, err := newScorer(e.cfg)
	if err != nil {
		return err
	}
	st := &reply.Stage{
		Bus: e.bus, Accounts: e.cfg.Accounts, Threshold: e.cfg.Reply.Threshold,
		Draft: e.cfg.Reply.Draft == "top", Scorer: scorer, Log: e.log,
	}
	if name := e.cfg.Reply.LLM; name != "" && name != "none" {
		c, err := llmClient(ctx, endpoint(e.cfg, name))
		if err != nil {
			return err
		}
		st.Model, st.ModelName = c, c.Model()
	}
	if err := st.Open(ctx); err != nil {
		return err
	}
	return e.bus.Run(ctx, withGrace(e, st.RunnerStage(e.cfg.Stages.Concurrency)), e.log)
}

// runEscalate sends hard threads to the large model, or to the human.
func runEscalate(ctx context.Context, e *env, _ *ingest.Registry) error {
	scorer, err := newScorer(e.cfg)
	if err != nil {
		return err
	}
	ec := e.cfg.Escalate
	opts := escalate.Options{ThreadTokens: ec.ThreadTokens, MaxWait: ec.MaxWait.D()}
	if ec.LLM != "none" {
		ep := endpoint(e.cfg, ec.LLM)
		c, err := llmClient(ctx, ep)
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
	st := &escalate.Stage{
		Bus: e.bus, Accounts: e.cfg.Accounts, Scorer: scorer, Escalator: escalate.NewEscalator(opts), Log: e.log,
		Draft: func(ctx context.Context, m *mailmsg.Message, acct *configs.Account, body, id string) (bool, error) {
			return reply.FileDraft(ctx, e.bus, "escalate", m, acct, body, id, time.Now())
		},
	}
	return e.bus.Run(ctx, withGrace(e, st.RunnerStage(e.cfg.Stages.Concurrency)), e.log)
}

// newScorer builds the hardness score from the escalate section.
func newScorer(cfg *configs.Config) (*escalate.Scorer, error) {
	ec := cfg.Escalate
	sc := escalate.DefaultScoreConfig()
	sc.Threshold = ec.Threshold
	sc.VIP = ec.VIP
	for name, w := range ec.Weights {
		if err := sc.Weights.Set(name, w); err != nil {
			return nil, fmt.Errorf("escalate.weights: %w", err)
		}
	}
	for _, r := range ec.Rules {
		sc.Rules = append(sc.Rules, escalate.Rule{Name: r.Name, Field: r.Field, Pattern: r.Pattern, Weight: r.Weight})
	}
	return escalate.NewScorer(sc)
}

func endpoint(cfg *configs.Config, name string) *configs.Endpoint {
	if name == "large" {
		return cfg.LLM.Large
	}
	return cfg.LLM.Small
}

// llmClient builds the client of a configured endpoint and checks at start
// that its model exists.
func llmClient(ctx context.Context, ep *configs.Endpoint) (*llm.Client, error) {
	c, err := llm.New(llm.Config{
		URL: ep.URL, Model: ep.Model, Timeout: ep.Timeout.D(), MaxConcurrency: ep.MaxConcurrency,
		Options: ep.Options, CAFile: ep.CAFile,
	})
	if err != nil {
		return nil, err
	}
	if err := c.Check(ctx); err != nil {
		return nil, err
	}
	return c, nil
}
