package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/internal/proc"
)

func TestMain(m *testing.M) {
	serveNATSIfChild() // the NATS server process of TestNATSProcess
	os.Exit(m.Run())
}

// The system mailassist-nats runs mailassist against a JetStream server in
// a process of its own: it accepts the seed it was started with, and
// nothing else, keeps what JetStream stores, and stops on SIGTERM.
func TestNATSProcess(t *testing.T) {
	p, err := startNATSProcess(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()
	if p.pid() == os.Getpid() || proc.Memory(p.pid(), "VmRSS") == 0 {
		t.Fatalf("the server is not a process of its own (pid %d)", p.pid())
	}

	if nc, err := nats.Connect(p.url); err == nil {
		nc.Close()
		t.Fatal("a client without the seed was let in")
	}
	opt, err := nats.NkeyOptionFromSeed(p.seed)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(p.url, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "t.1", []byte("x")); err != nil {
		t.Fatal(err)
	}

	p.stop()
	select {
	case <-p.done:
	default:
		t.Fatal("stop returned before the process ended")
	}
}

// A mailassist-nats row gives the NATS server's memory and CPU beside
// mailassist's own.
func TestTableSeparatesNATS(t *testing.T) {
	rep := &report{Results: []*result{
		{System: systemMailassistNATS, Messages: 10, RawBytes: 1 << 20, DrainSeconds: 2, MsgsPerSecond: 5,
			CPUSeconds: 1.5, PeakRSSBytes: 90 << 20, NATSCPUSeconds: 0.5, NATSPeakRSSBytes: 60 << 20},
		{System: systemMailassist, Messages: 10, RawBytes: 1 << 20, DrainSeconds: 2, MsgsPerSecond: 5,
			CPUSeconds: 2, PeakRSSBytes: 140 << 20},
	}}
	for _, r := range rep.Results {
		r.summarize()
	}
	var b bytes.Buffer
	rep.writeTable(&b)
	out := b.String()
	for _, want := range []string{"| mailassist-nats | 2.0 s | 5 | 90 MB + NATS 60 MB | 1.5 s + NATS 0.5 s |", "| mailassist | 2.0 s | 5 | 140 MB | 2.0 s |", "mailassist-nats, 10 messages"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// Each system drains a mailbox of its own: two mailassist runs at one
// size must not share one (the second would find the spam moved).
func TestUsersPerSystem(t *testing.T) {
	seen := map[string]string{}
	for sys := range userPrefix {
		u := user(sys, 1000)
		if other, ok := seen[u]; ok {
			t.Errorf("%s and %s both drain %s", sys, other, u)
		}
		seen[u] = sys
	}
}
