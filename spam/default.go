package spam

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"
)

// defaultModel is the shipped model: logistic regression trained on the
// whole public SpamAssassin corpus by scripts/train-default-model.sh.
//
//go:embed model/default.bin
var defaultModel []byte

var (
	defaultOnce sync.Once
	defaultM    *Model
)

// Default returns the shipped model, parsed on first use. Every call
// returns the same *Model; a caller that will Learn on it should Clone it
// first (one clone per account), so that accounts do not learn from each
// other. It panics if the embedded model is corrupt, which a test rules
// out.
func Default() *Model {
	defaultOnce.Do(func() {
		m, err := Load(bytes.NewReader(defaultModel))
		if err != nil {
			panic(fmt.Sprintf("spam: embedded default model: %v", err))
		}
		defaultM = m
	})
	return defaultM
}
