package ops

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// A Family is a Prometheus counter or gauge with labels, for label sets
// that grow with the number of accounts. It keeps each series as its
// label values and a number (~124 bytes), where client_golang's vectors
// keep a metric object with its label pairs (~514 bytes; BenchmarkSeriesMemory;
// 10.6 MB in a heap profile of a thousand accounts' ~20 series each); the
// exposition objects are built at each scrape instead, and dropped after
// it.
type Family struct {
	desc   *prometheus.Desc
	kind   prometheus.ValueType
	labels int

	mu     sync.RWMutex
	series map[string]*Value // by seriesKey of the label values
}

// A Value is one series of a Family.
type Value struct {
	values []string
	bits   atomic.Uint64 // math.Float64bits of the value
}

// NewCounters returns a counter family registered with Prometheus's
// default registry (as promauto does).
func NewCounters(name, help string, labels ...string) *Family {
	f := newFamily(prometheus.CounterValue, name, help, labels)
	prometheus.MustRegister(f)
	return f
}

// NewGauges returns a gauge family registered with Prometheus's default
// registry.
func NewGauges(name, help string, labels ...string) *Family {
	f := newFamily(prometheus.GaugeValue, name, help, labels)
	prometheus.MustRegister(f)
	return f
}

func newFamily(kind prometheus.ValueType, name, help string, labels []string) *Family {
	return &Family{
		desc:   prometheus.NewDesc(name, help, labels, nil),
		kind:   kind,
		labels: len(labels),
		series: map[string]*Value{},
	}
}

// With returns the series of the label values, made at 0 if new. It
// panics when their number differs from the family's labels, as
// client_golang's WithLabelValues does.
func (f *Family) With(values ...string) *Value {
	var buf [128]byte
	key := seriesKey(buf[:0], values)
	f.mu.RLock()
	v := f.series[string(key)]
	f.mu.RUnlock()
	if v != nil {
		return v
	}
	if len(values) != f.labels {
		panic(fmt.Sprintf("ops: %d label values for %s, want %d", len(values), f.desc, f.labels))
	}
	for _, lv := range values {
		if !utf8.ValidString(lv) {
			panic(fmt.Sprintf("ops: label value %q of %s is not UTF-8", lv, f.desc))
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if v = f.series[string(key)]; v == nil {
		v = &Value{values: slices.Clone(values)}
		f.series[string(key)] = v
	}
	return v
}

// Delete removes the series of the label values and reports whether it
// existed.
func (f *Family) Delete(values ...string) bool {
	var buf [128]byte
	key := seriesKey(buf[:0], values)
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.series[string(key)]
	delete(f.series, string(key))
	return ok
}

// seriesKey joins label values with a byte that no UTF-8 label value
// holds.
func seriesKey(buf []byte, values []string) []byte {
	for i, v := range values {
		if i > 0 {
			buf = append(buf, 0xff)
		}
		buf = append(buf, v...)
	}
	return buf
}

// Describe implements prometheus.Collector.
func (f *Family) Describe(ch chan<- *prometheus.Desc) { ch <- f.desc }

// Collect implements prometheus.Collector.
func (f *Family) Collect(ch chan<- prometheus.Metric) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	for _, v := range f.series {
		m, err := prometheus.NewConstMetric(f.desc, f.kind, v.Get(), v.values...)
		if err != nil {
			m = prometheus.NewInvalidMetric(f.desc, err)
		}
		ch <- m
	}
}

// Inc adds 1.
func (v *Value) Inc() { v.Add(1) }

// Add adds d; a counter's d must not be negative.
func (v *Value) Add(d float64) {
	for {
		old := v.bits.Load()
		if v.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+d)) {
			return
		}
	}
}

// Set sets a gauge's value.
func (v *Value) Set(x float64) { v.bits.Store(math.Float64bits(x)) }

// Get returns the value.
func (v *Value) Get() float64 { return math.Float64frombits(v.bits.Load()) }
