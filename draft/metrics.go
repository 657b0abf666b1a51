package draft

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"mailassist/bus"
)

var (
	filed = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "mailassist_drafts_filed_total",
		Help: "Drafts apply filed in Drafts, by who wrote them (source) and the drafted suggestion's intent (none for a full draft).",
	}, []string{"source", "intent"})
	fates = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "mailassist_draft_fates_total",
		Help: "Fates of filed drafts as they were reached (sent_unchanged, sent_edited, deleted, pending, replaced), by source and intent. A pending draft sent or deleted later counts again under its final fate.",
	}, []string{"source", "intent", "fate"})
)

// noIntent is the intent label of a full draft (no suggestion's intent).
const noIntent = "none"

func intentLabel(intent string) string {
	if intent == "" {
		return noIntent
	}
	return intent
}

// ExportIntents exports the draft metrics at 0 for every source, fate
// and the given intents (the reply package's), so that a rate over them
// exists from the start.
func ExportIntents(intents ...string) {
	for _, src := range bus.DraftSources {
		for _, intent := range append([]string{noIntent}, intents...) {
			filed.WithLabelValues(string(src), intent)
			for _, f := range bus.DraftFates {
				fates.WithLabelValues(string(src), intent, string(f))
			}
		}
	}
}

func init() { ExportIntents() }
