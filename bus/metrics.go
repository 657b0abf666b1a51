package bus

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
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
)
