package ops

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// gather collects f through a pedantic registry, which also checks that
// what Collect sends matches what Describe announced, and returns the
// value of every series by its label values joined with "/".
func gather(t *testing.T, f *Family) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(f)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := ""
			for i, lp := range m.GetLabel() {
				if i > 0 {
					key += "/"
				}
				key += lp.GetValue()
			}
			got[key] = value(mf.GetType(), m)
		}
	}
	return got
}

func value(typ dto.MetricType, m *dto.Metric) float64 {
	if typ == dto.MetricType_COUNTER {
		return m.GetCounter().GetValue()
	}
	return m.GetGauge().GetValue()
}

func TestFamilyCounters(t *testing.T) {
	f := newFamily(prometheus.CounterValue, "test_total", "A test counter.", []string{"account", "mailbox"})
	f.With("alice", "INBOX")
	f.With("alice", "Junk").Inc()
	f.With("bob", "INBOX").Add(2.5)
	f.With("bob", "INBOX").Inc()
	// Values that would run together without a separator.
	f.With("a", "bc").Inc()
	f.With("ab", "c").Add(2)

	got := gather(t, f)
	want := map[string]float64{"alice/INBOX": 0, "alice/Junk": 1, "bob/INBOX": 3.5, "a/bc": 1, "ab/c": 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}

	if !f.Delete("alice", "Junk") || f.Delete("alice", "Junk") {
		t.Error("Delete: want true for a series, then false")
	}
	if _, ok := gather(t, f)["alice/Junk"]; ok {
		t.Error("a deleted series is still collected")
	}
	if f.With("alice", "Junk").Get() != 0 {
		t.Error("a series made again after Delete does not start at 0")
	}
}

func TestFamilyGauges(t *testing.T) {
	f := newFamily(prometheus.GaugeValue, "test_gauge", "A test gauge.", []string{"account"})
	f.With("alice").Set(1)
	f.With("bob").Set(1)
	f.With("bob").Set(0)
	f.With("carol").Set(1.7e9)
	got := gather(t, f)
	want := map[string]float64{"alice": 1, "bob": 0, "carol": 1.7e9}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// Adds from many goroutines, new series among them, while a scrape
// runs: exact sums (and, under -race, no race).
func TestFamilyConcurrentAdds(t *testing.T) {
	f := newFamily(prometheus.CounterValue, "test_total", "A test counter.", []string{"account"})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(f)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 1000 {
				f.With(fmt.Sprint("a", i%2)).Inc()
				f.With(fmt.Sprint("new", i, j%50))
			}
		})
	}
	scraping := make(chan struct{})
	go func() {
		defer close(scraping)
		for range 20 {
			if _, err := reg.Gather(); err != nil {
				t.Errorf("gather: %v", err)
			}
		}
	}()
	wg.Wait()
	<-scraping
	if got := gather(t, f); got["a0"] != 4000 || got["a1"] != 4000 {
		t.Errorf("got %v, want 4000 each", got)
	}
}

func TestFamilyRejectsWrongLabels(t *testing.T) {
	f := newFamily(prometheus.CounterValue, "test_total", "A test counter.", []string{"account", "mailbox"})
	for _, values := range [][]string{{"alice"}, {"alice", "INBOX", "x"}, {"alice", "\xff"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("With(%q) did not panic", values)
				}
			}()
			f.With(values...)
		}()
	}
}

// BenchmarkSeriesMemory reports the heap each series takes, in a Family
// and in a client_golang CounterVec, for 20,000 series (a thousand
// accounts' worth) labelled by account and mailbox:
//
//	go test -run X -bench SeriesMemory ./ops/
func BenchmarkSeriesMemory(b *testing.B) {
	const n = 20000
	labels := make([][2]string, n)
	for i := range labels {
		labels[i] = [2]string{fmt.Sprintf("u%04d", i/20), fmt.Sprintf("folder%02d", i%20)}
	}
	perSeries := func(b *testing.B, fill func()) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		fill()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/series")
	}
	b.Run("Family", func(b *testing.B) {
		for b.Loop() {
			f := newFamily(prometheus.CounterValue, "test_total", "A test counter.", []string{"account", "mailbox"})
			perSeries(b, func() {
				for _, l := range labels {
					f.With(l[0], l[1]).Inc()
				}
			})
			runtime.KeepAlive(f)
		}
	})
	b.Run("CounterVec", func(b *testing.B) {
		for b.Loop() {
			v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "test_total", Help: "A test counter."}, []string{"account", "mailbox"})
			perSeries(b, func() {
				for _, l := range labels {
					v.WithLabelValues(l[0], l[1]).Inc()
				}
			})
			runtime.KeepAlive(v)
		}
	})
}
