package bus

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"mailassist/ops"
)

var (
	stageProcessed = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "mailassist_stage_processed_total",
		Help: "Messages a stage handled and acknowledged.",
	}, []string{"stage"})
	stageFailed = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "mailassist_stage_failed_total",
		Help: "Handler failures by kind: transient (redelivered later) or permanent.",
	}, []string{"stage", "kind"})
	stageDeadLettered = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "mailassist_stage_deadlettered_total",
		Help: "Messages a stage gave up on and published to mail.deadletter.",
	}, []string{"stage"})
	stageLatency = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "mailassist_stage_duration_seconds",
		Help:    "Time a stage's handler took per message.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10), // 0.5ms .. ~131s
	}, []string{"stage"})
	stageInFlight = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "mailassist_stage_in_flight",
		Help: "Messages a stage is handling now.",
	}, []string{"stage"})
	deadLetters = ops.NewCounters("mailassist_deadletters_total",
		"Dead letters this process published, by account and cause (invalid, panic, failed, unfetchable).",
		"account", "cause")
)

// stageFailureKinds are the kind label values of mailassist_stage_failed_total.
var stageFailureKinds = []string{"permanent", "transient", "outage"}

// InitMetrics exports the bus's metrics at 0 for every known label value
// — the stages this process runs and the configured accounts — so that
// they exist from the start, before anything happened.
func InitMetrics(stages, accounts []string) {
	for _, st := range stages {
		stageProcessed.WithLabelValues(st)
		stageDeadLettered.WithLabelValues(st)
		stageLatency.WithLabelValues(st)
		stageInFlight.WithLabelValues(st)
		for _, k := range stageFailureKinds {
			stageFailed.WithLabelValues(st, k)
		}
	}
	for _, a := range accounts {
		for _, c := range DeadLetterCauses {
			deadLetters.With(a, string(c))
		}
	}
}

// CountDeadLetter counts a dead letter of account with cause in
// mailassist_deadletters_total (ingest publishes its own).
func CountDeadLetter(account string, cause DeadLetterCause) {
	deadLetters.With(account, string(cause)).Inc()
}
