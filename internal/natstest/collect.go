package natstest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
)

// Collect reads every event on filter from the start of the stream,
// decoded as T, until the test ends. The returned func gives those read so
// far.
func Collect[T any](t testing.TB, b *bus.Bus, filter string) func() []T {
	t.Helper()
	var mu sync.Mutex
	var got []T
	cons, err := b.Stream.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		var v T
		if err := json.Unmarshal(m.Data(), &v); err != nil {
			t.Errorf("decode %s: %v", m.Subject(), err)
		}
		mu.Lock()
		got = append(got, v)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cc.Stop)
	return func() []T {
		mu.Lock()
		defer mu.Unlock()
		return append([]T(nil), got...)
	}
}

// WaitFor polls cond until it holds, failing the test after 20 seconds.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Delivery makes a Delivery of v encoded as JSON on subject, for calling
// a stage's handler directly.
func Delivery(t testing.TB, subject string, v any) *bus.Delivery {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return bus.NewDelivery(subject, data, nil)
}
