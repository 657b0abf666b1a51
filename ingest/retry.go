package ingest

import (
	"log/slog"
	"time"

	"mailassist/backoff"
	"mailassist/imapx"
	"mailassist/outage"
)

// setupRetry is how often a watcher whose account needs a person (a
// wrong password, an untrusted certificate, a folder that does not
// exist: imapx.SetupError) tries again: slowly, since only a change of
// the config or the server fixes it, and the problem is already shown.
const setupRetry = 5 * time.Minute

// retryPolicy is how a watcher waits between sessions.
type retryPolicy struct {
	min, max, outageMax time.Duration
	log                 *slog.Logger
	outages             *outage.Tracker
	lastSetup           string // the setup problem last logged, to log each once
}

// after decides how long to wait after the failures-th session in a row
// ended with err, and says so once: a problem only a person can fix is
// logged as an error with its fix when it first appears, and retried
// every setupRetry; an outage goes to the tracker (one line when it
// starts) and is retried often, to be back soon after the server; any
// other error is a warning with capped exponential backoff.
func (p *retryPolicy) after(err error, failures uint64) (time.Duration, *imapx.SetupError) {
	if se, ok := imapx.NeedsPerson(err); ok {
		if msg := se.Error(); msg != p.lastSetup {
			p.lastSetup = msg
			p.log.Error("account needs your attention: "+se.Problem, "fix", se.Fix, "err", se.Err, "retry", setupRetry)
		}
		return setupRetry, se
	}
	p.lastSetup = ""
	if outage.Is(err) {
		wait := backoff.Delay(failures, p.min, p.outageMax)
		if name := outage.Of(err); name != "" {
			p.outages.Down(name, err)
		}
		p.log.Debug("imap session ended; reconnecting", "err", err, "in", wait.Round(time.Millisecond))
		return wait, nil
	}
	wait := backoff.Delay(failures, p.min, p.max)
	p.log.Warn("imap session ended; reconnecting", "err", err, "in", wait.Round(time.Millisecond))
	return wait, nil
}
