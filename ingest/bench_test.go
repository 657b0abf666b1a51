package ingest_test

import (
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/nats-io/nats.go"

	"mailassist/bus"
	"mailassist/internal/natstest"
)

// appendMany appends n distinct messages over one connection.
func appendMany(b testing.TB, c *imapclient.Client, n int) {
	b.Helper()
	for i := range n {
		raw := message("backlog", "backlog-"+itoa(i)+"@x", "message number "+itoa(i)+"\r\nwith a few lines of text\r\nto look like mail.")
		cmd := c.Append("INBOX", int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			b.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			b.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// BenchmarkDovecotIngestBacklog measures a first sync of a 2,000-message
// backlog from Dovecot into the stream: messages per second until the
// last event is acknowledged by JetStream.
func BenchmarkDovecotIngestBacklog(b *testing.B) {
	const backlog = 2000
	s, acct := startDovecot(b)
	appendMany(b, s.Dial(b, "alice"), backlog)
	b.ResetTimer()
	var total time.Duration
	for range b.N {
		b.StopTimer()
		bs := natstest.New(b) // a fresh stream and checkpoint: a first start
		var n atomic.Int64
		sub, err := bs.NC.Subscribe(bus.AllAccounts(bus.KindIngested), func(*nats.Msg) { n.Add(1) })
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		stop := startWatcher(b, bs, &acct, "INBOX", nil)
		for n.Load() < backlog {
			time.Sleep(time.Millisecond)
		}
		total += time.Since(start)
		b.StopTimer()
		stop()
		_ = sub.Unsubscribe()
	}
	b.ReportMetric(float64(backlog*b.N)/total.Seconds(), "msgs/s")
}

// BenchmarkDovecotNewMailLatency measures APPEND on the server to the
// event on the bus, one message at a time, while the watcher is in IDLE.
// It reports p50 and p99 over 200 messages per iteration.
func BenchmarkDovecotNewMailLatency(b *testing.B) {
	const count = 200
	s, acct := startDovecot(b)
	bs := natstest.New(b)
	got := make(chan struct{}, 1)
	if _, err := bs.NC.Subscribe(bus.AllAccounts(bus.KindIngested), func(*nats.Msg) { got <- struct{}{} }); err != nil {
		b.Fatal(err)
	}
	startWatcher(b, bs, &acct, "INBOX", nil)
	c := s.Dial(b, "alice")
	time.Sleep(500 * time.Millisecond) // let the watcher reach IDLE
	var lat []time.Duration
	b.ResetTimer()
	for range b.N {
		for i := range count {
			raw := message("latency", "lat-"+itoa(len(lat))+"-"+itoa(i)+"@x", "ping")
			start := time.Now()
			cmd := c.Append("INBOX", int64(len(raw)), &imap.AppendOptions{})
			cmd.Write(raw)
			cmd.Close()
			if _, err := cmd.Wait(); err != nil {
				b.Fatal(err)
			}
			select {
			case <-got:
			case <-time.After(10 * time.Second):
				b.Fatal("no event within 10s")
			}
			lat = append(lat, time.Since(start))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")

}
