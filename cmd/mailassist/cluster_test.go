package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/internal/dovecottest"
)

// The scale-out test and benchmark run real processes: three nats-server
// processes clustered with JetStream (stream and buckets with 3
// replicas), Dovecot, and `mailassist ROLE` processes. They take minutes
// on a small machine, so they run only when MAILASSIST_CLUSTER=1:
//
//	MAILASSIST_CLUSTER=1 go test -run TestClusterScaleOut -v -timeout 30m ./cmd/mailassist/
//	MAILASSIST_CLUSTER=1 go test -run X -bench Cluster -benchtime 1x -timeout 60m ./cmd/mailassist/

var clusterRoles = []string{"ingest", "spam", "reply", "escalate", "apply"}

func requireCluster(tb testing.TB) {
	tb.Helper()
	if os.Getenv("MAILASSIST_CLUSTER") != "1" {
		tb.Skip("set MAILASSIST_CLUSTER=1 to run the multi-process cluster test (minutes)")
	}
	dovecottest.Require(tb)
}

// binaries builds nats-server (from the module's own dependency) and
// mailassist once into dir.
func binaries(tb testing.TB, dir string) (natsBin, maBin string) {
	tb.Helper()
	natsBin, maBin = filepath.Join(dir, "nats-server"), filepath.Join(dir, "mailassist")
	for _, b := range [][]string{{natsBin, "github.com/nats-io/nats-server/v2"}, {maBin, "."}} {
		if out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput(); err != nil {
			tb.Fatalf("build %s: %v\n%s", b[1], err, out)
		}
	}
	return natsBin, maBin
}

// natsNode is one nats-server process of the cluster.
type natsNode struct {
	bin, conf string
	cmd       *exec.Cmd
}

func (n *natsNode) start(tb testing.TB) {
	tb.Helper()
	cmd := exec.Command(n.bin, "-c", n.conf)
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	n.cmd = cmd
}

func (n *natsNode) kill() {
	if n.cmd != nil {
		n.cmd.Process.Kill()
		n.cmd.Wait()
		n.cmd = nil
	}
}

// startNATSCluster runs three clustered nodes on free loopback ports, as
// configs/nats-cluster does on fixed ones, and waits for JetStream.
func startNATSCluster(tb testing.TB, bin, dir string) ([]*natsNode, string) {
	tb.Helper()
	var client, route []int
	for range 3 {
		client, route = append(client, freePort(tb)), append(route, freePort(tb))
	}
	var routes, urls []string
	for i := range 3 {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", route[i]))
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", client[i]))
	}
	var nodes []*natsNode
	for i := range 3 {
		conf := filepath.Join(dir, fmt.Sprintf("n%d.conf", i+1))
		os.WriteFile(conf, []byte(fmt.Sprintf(`server_name: n%d
listen: 127.0.0.1:%d
jetstream { store_dir: %q }
cluster {
  name: mailassist
  listen: 127.0.0.1:%d
  routes: [%s]
}
`, i+1, client[i], filepath.Join(dir, fmt.Sprintf("store-n%d", i+1)), route[i], strings.Join(routes, ", "))), 0o600)
		n := &natsNode{bin: bin, conf: conf}
		n.start(tb)
		tb.Cleanup(n.kill)
		nodes = append(nodes, n)
	}
	url := strings.Join(urls, ",")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if nc, err := nats.Connect(url); err == nil {
			js, _ := jetstream.New(nc)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, err = js.AccountInfo(ctx)
			cancel()
			nc.Close()
			if err == nil {
				return nodes, url
			}
		}
		if time.Now().After(deadline) {
			tb.Fatal("the NATS cluster has no JetStream leader after 60s")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// roleProc is one `mailassist ROLE` process under a supervisor that
// restarts it when it exits by itself (as systemd's Restart=always or
// compose's restart: always would): a role gives up when the cluster does
// not answer its start-up within 30 s, which ten processes creating
// replicated buckets at once on a busy machine can cause.
type roleProc struct {
	bin, role, cfg, log string

	mu       sync.Mutex
	cmd      *exec.Cmd
	stopped  bool
	restarts int
}

func (p *roleProc) start(tb testing.TB) {
	tb.Helper()
	p.mu.Lock()
	p.stopped = false
	p.mu.Unlock()
	go p.supervise()
}

func (p *roleProc) supervise() {
	for {
		f, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return
		}
		cmd := exec.Command(p.bin, p.role, "--config", p.cfg)
		cmd.Stdout, cmd.Stderr = f, f
		p.mu.Lock()
		if p.stopped {
			p.mu.Unlock()
			f.Close()
			return
		}
		err = cmd.Start()
		p.cmd = cmd
		p.mu.Unlock()
		if err == nil {
			cmd.Wait()
		}
		f.Close()
		p.mu.Lock()
		stopped := p.stopped
		if !stopped {
			p.restarts++
		}
		p.mu.Unlock()
		if stopped {
			return
		}
		time.Sleep(2 * time.Second)
	}
}

// kill ends the process with SIGKILL, as a crash would, and keeps it down
// until start.
func (p *roleProc) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
	}
}

func (p *roleProc) restartCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.restarts
}

// clusterWorld is Dovecot with a backlog over many accounts, the NATS
// cluster, and a config that points every role at it.
type clusterWorld struct {
	s        *dovecottest.Server
	nodes    []*natsNode
	url, cfg string
	maBin    string
	dir      string
	accounts int
	spam     int // messages that are spam (the lottery mail); the rest ask a question
	total    int
}

func newClusterWorld(tb testing.TB, accounts, perAccount int) *clusterWorld {
	tb.Helper()
	w := &clusterWorld{dir: tb.TempDir(), accounts: accounts}
	natsBin, maBin := binaries(tb, w.dir)
	w.maBin = maBin
	var opts []dovecottest.Option
	opts = append(opts, dovecottest.WithConfig(benchDovecot))
	for i := range accounts {
		opts = append(opts, dovecottest.WithUser(benchUser(i), "pw"))
	}
	w.s = dovecottest.Start(tb, opts...)
	w.nodes, w.url = startNATSCluster(tb, natsBin, w.dir)
	pw := filepath.Join(w.dir, "pw")
	os.WriteFile(pw, []byte("pw"), 0o600)
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "data_dir: %s/data\nlog: {level: warn}\nnats: {url: %q}\nstream: {replicas: 3}\nhttp: {listen: \"\"}\nstages: {concurrency: 8}\naccounts:\n", w.dir, w.url)
	for i := range accounts {
		fmt.Fprintf(&cfg, "  - {name: %s, address: %s@example.org, initial_sync: 24h, imap: {host: 127.0.0.1, port: %d, tls: none, username: %s, password_file: %s}}\n",
			benchUser(i), benchUser(i), w.s.Port, benchUser(i), pw)
	}
	w.cfg = filepath.Join(w.dir, "mailassist.yaml")
	os.WriteFile(w.cfg, []byte(cfg.String()), 0o600)

	// The backlog: every third message is the lottery mail, the others
	// a colleague's question (each with its own Message-ID).
	lottery, _ := demoMail.ReadFile("demo/02-lottery.eml")
	colleague, _ := demoMail.ReadFile("demo/01-colleague.eml")
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				acct, k := i/perAccount, i%perAccount
				raw := colleague
				if k%3 == 0 {
					raw = lottery
				}
				msg := strings.ReplaceAll(string(raw), "\n", "\r\n")
				msg = strings.Replace(msg, "Message-ID: <", fmt.Sprintf("Message-ID: <%s.%d.", benchUser(acct), k), 1)
				w.s.Append(tb, benchUser(acct), "INBOX", []byte(msg))
			}
		})
	}
	for i := range accounts * perAccount {
		if i%perAccount%3 == 0 {
			w.spam++
		}
		work <- i
	}
	close(work)
	wg.Wait()
	w.total = accounts * perAccount
	return w
}

// openBus creates the stream and buckets (3 replicas) once, with
// `mailassist setup`, as an operator does before starting the roles.
func (w *clusterWorld) openBus(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		out, err := exec.Command(w.maBin, "setup", "--config", w.cfg).CombinedOutput()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("stream and buckets not created: %v\n%s", err, out)
		}
		time.Sleep(time.Second)
	}
}

// startRoles starts n processes of every role.
func (w *clusterWorld) startRoles(tb testing.TB, n int) map[string][]*roleProc {
	w.openBus(tb)
	procs := map[string][]*roleProc{}
	for _, role := range clusterRoles {
		for i := range n {
			p := &roleProc{bin: w.maBin, role: role, cfg: w.cfg, log: filepath.Join(w.dir, fmt.Sprintf("%s-%d.log", role, i+1))}
			p.start(tb)
			tb.Cleanup(p.kill)
			procs[role] = append(procs[role], p)
		}
	}
	return procs
}

// counts is what the stream and the mailboxes hold.
type counts struct {
	ingested, ingestedIDs     int // events, distinct identities
	classified, classifiedIDs int
	spamVerdicts              int
	actions                   int
	deadLetters               int
	junk, drafts, draftRefs   int  // in Dovecot: messages in Junk; drafts, distinct X-Mailassist-Ref
	mailboxes                 bool // the three above were counted
	pending                   uint64
}

func (c counts) String() string {
	s := fmt.Sprintf("ingested %d events (%d distinct), classified %d (%d distinct, %d spam), actions %d, dead letters %d",
		c.ingested, c.ingestedIDs, c.classified, c.classifiedIDs, c.spamVerdicts, c.actions, c.deadLetters)
	if c.mailboxes {
		s += fmt.Sprintf("; Dovecot: Junk %d, Drafts %d (%d distinct refs)", c.junk, c.drafts, c.draftRefs)
	}
	return s + fmt.Sprintf("; consumers' backlog %d", c.pending)
}

// streamCounts reads the MAIL stream from the start.
func (w *clusterWorld) streamCounts(tb testing.TB) counts {
	tb.Helper()
	var c counts
	nc, err := nats.Connect(w.url)
	if err != nil {
		tb.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, "MAIL", jetstream.OrderedConsumerConfig{})
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		c.pending = 1 // the roles have not created it yet
		return c
	}
	if err != nil {
		tb.Fatal(err)
	}
	ingested, classified := map[string]bool{}, map[string]bool{}
	for {
		batch, err := cons.FetchNoWait(1000)
		if err != nil {
			tb.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			kind := strings.Split(m.Subject(), ".")[1]
			var ev struct {
				ID      string `json:"id"`
				Verdict string `json:"verdict"`
			}
			jsonDecode(m.Data(), &ev)
			switch kind {
			case "ingested":
				c.ingested++
				ingested[ev.ID] = true
			case "classified":
				c.classified++
				classified[ev.ID] = true
				if ev.Verdict == "spam" {
					c.spamVerdicts++
				}
			case "action":
				c.actions++
			case "deadletter":
				c.deadLetters++
			}
		}
		if got == 0 {
			break
		}
	}
	c.ingestedIDs, c.classifiedIDs = len(ingested), len(classified)
	stream, err := js.Stream(ctx, "MAIL")
	if err != nil {
		tb.Fatal(err)
	}
	for info := range stream.ListConsumers(ctx).Info() {
		if !strings.HasPrefix(info.Name, "OC_") && info.Config.Durable != "" {
			c.pending += info.NumPending + uint64(info.NumAckPending)
		}
	}
	return c
}

// mailboxCounts counts Junk and Drafts over every account.
func (w *clusterWorld) mailboxCounts(tb testing.TB, c *counts) {
	tb.Helper()
	refs := map[string]bool{}
	for i := range w.accounts {
		c.junk += len(w.s.Mailbox(tb, benchUser(i), "Junk"))
		for _, m := range w.s.Mailbox(tb, benchUser(i), "Drafts") {
			c.drafts++
			for _, line := range strings.Split(string(m.Raw), "\r\n") {
				if v, ok := strings.CutPrefix(line, "X-Mailassist-Ref: "); ok {
					refs[benchUser(i)+"/"+v] = true
				}
			}
		}
	}
	c.draftRefs, c.mailboxes = len(refs), true
}

// waitFlowed waits until every message was classified and every
// consumer's backlog is empty; it returns when that was first seen.
func (w *clusterWorld) waitFlowed(tb testing.TB, within time.Duration) (counts, time.Duration) {
	tb.Helper()
	start := time.Now()
	for {
		c := w.streamCounts(tb)
		if c.classifiedIDs >= w.total && c.pending == 0 {
			return c, time.Since(start)
		}
		if time.Since(start) > within {
			tb.Fatalf("not done after %v: %v", within, c)
		}
		time.Sleep(time.Second)
	}
}

func jsonDecode(data []byte, v any) { _ = json.Unmarshal(data, v) }

// TestClusterScaleOut: a backlog over 100 accounts flows through two
// processes of every role on a 3-node cluster while one NATS node and one
// process of each role are killed (SIGKILL) and restarted; every message
// is ingested and classified exactly once, every spam message is in Junk
// once, every draft is filed once.
func TestClusterScaleOut(t *testing.T) {
	requireCluster(t)
	w := newClusterWorld(t, 100, 20)
	procs := w.startRoles(t, 2)
	start := time.Now()

	// Once a fifth has been classified, kill a NATS node and one process
	// of each role; bring them back a few seconds later.
	natstestWait(t, 10*time.Minute, func() bool { return w.streamCounts(t).classifiedIDs >= w.total/5 })
	t.Logf("%v: %d of %d classified; killing NATS node n2 and one process of each role", time.Since(start).Round(time.Second), w.total/5, w.total)
	w.nodes[1].kill()
	for _, role := range clusterRoles {
		procs[role][0].kill()
	}
	time.Sleep(5 * time.Second)
	w.nodes[1].start(t)
	for _, role := range clusterRoles {
		procs[role][0].start(t)
	}
	t.Logf("%v: restarted", time.Since(start).Round(time.Second))

	c, _ := w.waitFlowed(t, 20*time.Minute)
	// The mailbox effects settle after the last action is acknowledged.
	time.Sleep(3 * time.Second)
	c = w.streamCounts(t)
	w.mailboxCounts(t, &c)
	restarts := 0
	for _, ps := range procs {
		for _, p := range ps {
			restarts += p.restartCount()
		}
	}
	fmt.Printf("cluster scale-out: %d messages over %d accounts in %v; %v; role processes restarted by the supervisor after exiting on their own: %d\n",
		w.total, w.accounts, time.Since(start).Round(time.Second), c, restarts)
	if c.ingested != w.total || c.ingestedIDs != w.total {
		t.Errorf("ingested %d events of %d distinct messages; want %d of %d", c.ingested, c.ingestedIDs, w.total, w.total)
	}
	if c.classified != w.total || c.classifiedIDs != w.total {
		t.Errorf("classified %d events of %d distinct messages; want %d of %d", c.classified, c.classifiedIDs, w.total, w.total)
	}
	if c.junk != c.spamVerdicts {
		t.Errorf("Junk holds %d messages; %d were classified spam", c.junk, c.spamVerdicts)
	}
	if c.drafts != c.draftRefs {
		t.Errorf("%d drafts for %d distinct messages: a draft was filed twice", c.drafts, c.draftRefs)
	}
	if c.deadLetters != 0 {
		t.Errorf("%d dead letters", c.deadLetters)
	}
}

// BenchmarkCluster reports how fast a backlog of 3,000 messages over
// 100 accounts flows through 1, 2 and 3 processes of every role on the
// 3-node cluster (stream and buckets with 3 replicas): from the start of
// the roles until every message is classified and every consumer's
// backlog is empty.
func BenchmarkCluster(b *testing.B) {
	requireCluster(b)
	for _, n := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("processes=%d", n), func(b *testing.B) {
			for b.Loop() {
				w := newClusterWorld(b, 100, 30)
				w.startRoles(b, n)
				c, took := w.waitFlowed(b, 30*time.Minute)
				b.ReportMetric(float64(w.total)/took.Seconds(), "msgs/s")
				fmt.Printf("%d process(es) of each role: %d messages in %v = %.0f msgs/s; %v\n", n, w.total, took.Round(time.Second), float64(w.total)/took.Seconds(), c)
			}
		})
	}
}

func natstestWait(tb testing.TB, within time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met within %v", within)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
