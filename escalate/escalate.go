// Package escalate decides which threads are too hard for the small model
// and hands them to a large model, or to the human when there is none.
//
// The pieces, in the order the stage uses them: Reconstruct rebuilds the
// thread from the mailbox (IMAPLookup) and what the bus holds; Scorer
// rates its hardness with explainable reasons; Escalator asks the large
// model within a per-account hourly Budget, validates its answer, and
// falls back to Handoff (an extractive summary for the human).
package escalate

import (
	"context"
	"errors"
	"fmt"
	"mailassist/bus"
	"mailassist/hardness"
	"slices"
	"time"

	"mailassist/llm"
)

// ErrWait means the message cannot be escalated now and must be retried
// later (nak with delay), never dropped: the large model is down or the
// account's budget for the hour is spent. Errors that match it are
// *WaitError.
var ErrWait = errors.New("escalation must wait")

// WaitError says how long to wait. RetryAfter is 0 when only the
// caller's backoff can tell (the model is down).
type WaitError struct {
	RetryAfter time.Duration
	Reason     string
	Err        error // the underlying error, if any
}

func (e *WaitError) Error() string {
	s := "escalation must wait: " + e.Reason
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry in %s)", e.RetryAfter.Round(time.Second))
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *WaitError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrWait}
	}
	return []error{ErrWait, e.Err}
}

// Options configure an Escalator. Zero fields mean the defaults noted.
type Options struct {
	// Large is the large model; nil hands every thread to the human.
	Large Chatter
	// Model names the large model in results.
	Model string
	// Budget limits large-model calls per account and hour; nil: no limit.
	Budget *Budget
	// Timeout bounds one large-model call. Default 10m.
	Timeout time.Duration
	// ThreadTokens bounds the thread in the prompt (see Bound). Default 3000,
	// which with the instructions and the answer fits a 4096-token context;
	// raise it with the model's num_ctx.
	ThreadTokens int
	// MaxAsks bounds the asks of the extractive summary. Default 5.
	MaxAsks int
	// InvalidRetries is how many more times the model is asked after an
	// invalid answer before the thread goes to the human. Default 1; -1
	// for none.
	InvalidRetries int
	// MaxWait is how long a message may wait for the large model (down or
	// over budget), counted from Job.Since, before it goes to the human
	// instead. Default 12h.
	MaxWait time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ThreadTokens <= 0 {
		o.ThreadTokens = DefaultThreadTokens
	}
	if o.MaxAsks <= 0 {
		o.MaxAsks = defaultMaxAsks
	}
	if o.InvalidRetries == 0 {
		o.InvalidRetries = 1
	}
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultMaxWait
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Escalator turns an escalation into a Result. It is safe for concurrent
// use.
type Escalator struct {
	opts Options
}

// NewEscalator returns an Escalator with opts (defaults filled in).
func NewEscalator(opts Options) *Escalator {
	return &Escalator{opts: opts.withDefaults()}
}

// Job is one thread to escalate.
type Job struct {
	Account    string
	Thread     *hardness.Thread
	Assessment hardness.Assessment
	// Since is when the message first asked to be escalated (its event's
	// time): waiting is measured from it. Zero means now.
	Since time.Time
	// UserText is what the user wrote in the thread (UserText): the only
	// source a draft may take links, addresses and numbers from.
	UserText string
	// Injection is instruction-like text aimed at an assistant in the
	// thread (Injection): the thread goes to the human, unseen by the
	// model.
	Injection string
}

// Escalate asks the large model about the thread and returns its
// validated answer; or hands the thread to the human when no large model
// is configured, when it refused the request, when its answer stayed
// invalid after the retries, or when the message has waited MaxWait.
// It returns a *WaitError (matching ErrWait) when the model is down or
// the budget spent and the message should be retried later, and other
// errors (the budget store, ctx ended) for the caller to retry as
// transient. The job's thread is not modified.
func (e *Escalator) Escalate(ctx context.Context, job Job) (Result, error) {
	if e.opts.Large == nil {
		return Handoff(job.Thread, job.Assessment, e.opts.MaxAsks, "no large model configured"), nil
	}
	if job.Injection != "" {
		return Handoff(job.Thread, job.Assessment, e.opts.MaxAsks, fmt.Sprintf("the thread holds instructions for an assistant (%q): not shown to the model", job.Injection)), nil
	}
	if e.opts.Budget != nil {
		ok, after, err := e.opts.Budget.Take(ctx, job.Account)
		if err != nil {
			return Result{}, err
		}
		if !ok {
			return e.wait(job, &WaitError{RetryAfter: after, Reason: "large-model budget for this hour is spent"})
		}
	}
	t := cloneThread(job.Thread)
	Bound(t, e.opts.ThreadTokens)
	var lastInvalid error
	for attempt := 0; attempt <= max(e.opts.InvalidRetries, 0); attempt++ {
		out, resp, timedOut, err := e.ask(ctx, t, job)
		switch {
		case err == nil:
			r := Result{Handler: bus.HandlerLargeModel, Summary: out.Summary, Asks: out.Asks, Priority: atLeast(out.Priority, PriorityOf(job.Assessment)),
				Draft: out.Draft, Model: e.opts.Model}
			if resp != nil {
				r.PromptTokens, r.OutputTokens = resp.PromptTokens, resp.OutputTokens
			}
			return r, nil
		case ctx.Err() != nil:
			e.refund(ctx, job.Account)
			return Result{}, ctx.Err()
		case errors.Is(err, llm.ErrInvalidOutput):
			lastInvalid = err
			continue
		case errors.Is(err, llm.ErrRejected):
			e.refund(ctx, job.Account)
			return Handoff(job.Thread, job.Assessment, e.opts.MaxAsks, "large model refused the request: "+err.Error()), nil
		default: // unavailable, or anything unforeseen: try again later
			if !timedOut {
				e.refund(ctx, job.Account) // the model never worked on it
			}
			return e.wait(job, &WaitError{Reason: "large model unavailable", Err: err})
		}
	}
	return Handoff(job.Thread, job.Assessment, e.opts.MaxAsks, "large model answer invalid: "+lastInvalid.Error()), nil
}

// ask runs one large-model call and reports whether it ran out of time
// (the model worked on it, so its budget is spent).
func (e *Escalator) ask(ctx context.Context, t *hardness.Thread, job Job) (Output, *llm.Response, bool, error) {
	callCtx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	out, resp, err := Ask(callCtx, e.opts.Large, t, job.Assessment, e.opts.Timeout, job.UserText)
	timedOut := err != nil && ctx.Err() == nil && callCtx.Err() != nil
	return out, resp, timedOut, err
}

// wait returns w, or a hand-off to the human once the job has waited
// longer than MaxWait. A wait never outlasts MaxWait: a budget that
// refills in 40 minutes does not hold back a message due to go to the
// human in 5.
func (e *Escalator) wait(job Job, w *WaitError) (Result, error) {
	if !job.Since.IsZero() {
		waited := e.opts.Now().Sub(job.Since)
		if waited >= e.opts.MaxWait {
			why := fmt.Sprintf("waited %s for the large model: %s", waited.Round(time.Minute), w.Reason)
			return Handoff(job.Thread, job.Assessment, e.opts.MaxAsks, why), nil
		}
		if left := e.opts.MaxWait - waited; w.RetryAfter > left {
			w.RetryAfter = left
		}
	}
	return Result{}, w
}

// refundTimeout bounds giving back a budget unit, even after ctx ended.
const refundTimeout = 5 * time.Second

func (e *Escalator) refund(ctx context.Context, account string) {
	if e.opts.Budget != nil {
		// Best effort: a refund lost leaves the hour one call short.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refundTimeout)
		defer cancel()
		_ = e.opts.Budget.Refund(ctx, account)
	}
}

// cloneThread copies the thread so that Bound can cut the copy.
func cloneThread(t *hardness.Thread) *hardness.Thread {
	c := *t
	c.Messages = slices.Clone(t.Messages)
	c.Missing = slices.Clone(t.Missing)
	return &c
}
