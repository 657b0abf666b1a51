package smoke

import (
	"os"
	"path/filepath"
	"testing"

	"mailassist/spam"
)

func BenchmarkClassifyCorpus(b *testing.B) {
	var raws [][]byte
	for _, d := range []string{"ham", "spam"} {
		m, _ := filepath.Glob("/tmp/corpus/" + d + "/*.eml")
		for _, f := range m {
			r, _ := os.ReadFile(f)
			raws = append(raws, r)
		}
	}
	m := spam.Default()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Classify(raws[i%len(raws)])
	}
}
