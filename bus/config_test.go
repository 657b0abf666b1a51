package bus

import (
	"testing"
	"time"
)

// The config sections and the bus's own Options read one table of
// defaults: an empty config file gives exactly what Options{} does.
func TestConfigDefaultsAgreeWithOptions(t *testing.T) {
	// Options the config has no key for (BacklogWindow) keep their zero,
	// which withDefaults fills; a value both set must agree.
	fromConfig := StreamConfig{}.WithDefaults().Options(StagesConfig{}.WithDefaults()).withDefaults()
	if want := (Options{}).withDefaults(); fromConfig != want {
		t.Errorf("config defaults give %+v, Options defaults %+v", fromConfig, want)
	}
	st := Stage{}.withDefaults()
	stages := StagesConfig{}.WithDefaults()
	if st.Concurrency != stages.Concurrency || st.Grace != stages.Grace.D() {
		t.Errorf("stage defaults %d/%s, config defaults %d/%s", st.Concurrency, st.Grace, stages.Concurrency, stages.Grace.D())
	}
	if (NATSConfig{}).WithDefaults().EmbeddedListen() != "127.0.0.1:0" || DefaultAckWait != time.Minute {
		t.Error("nats defaults changed without the docs")
	}
}
