package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/internal/dovecottest"
	"mailassist/internal/proc"
)

// benchDovecot lets one Dovecot serve a thousand logged-in users on a
// small machine: login processes that take many clients, and IMAP
// processes that serve 50 connections each (with a process per
// connection, Dovecot on 2 shared cores forks too slowly: logins time out
// after 90 s, and past 128 processes the kernel's inotify instance limit
// turns IDLE notifications into polling).
const benchDovecot = `default_process_limit = 5000
default_client_limit = 10000
service imap-login {
  service_count = 0
  process_min_avail = 2
  client_limit = 2000
}
service imap {
  service_count = 0
  client_limit = 50
  process_limit = 200
  process_min_avail = 4
}
service anvil {
  client_limit = 20000
}
service auth {
  client_limit = 20000
}
service auth-worker {
  process_limit = 8
}
`

// BenchmarkAccounts runs `mailassist run` as a child process on
// MAILASSIST_BENCH_ACCOUNTS Dovecot users (default 1000), each watching
// INBOX and Junk, and reports: the time until every watcher is live, the
// IMAP sessions per account on Dovecot, the child's peak RSS, the time
// from APPEND of a spam message to each account to its move to Junk
// (p50, p99, max, from apply's log), and after a restart the time until
// all watch again and the login errors in dovecot.log (want 0).
//
//	go test -run X -bench Accounts -benchtime 1x ./cmd/mailassist/
func BenchmarkAccounts(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("MAILASSIST_BENCH_ACCOUNTS")); err == nil && v > 0 {
		n = v
	}
	opts := []dovecottest.Option{dovecottest.WithConfig(benchDovecot)}
	for i := range n {
		opts = append(opts, dovecottest.WithUser(benchUser(i), "pw"))
	}
	s := dovecottest.Start(b, opts...)
	dir := b.TempDir()
	bin := filepath.Join(dir, "mailassist")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("pw"), 0o600)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(b))
	natsPort := freePort(b)
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "data_dir: %s/data\nlog: {level: info, format: json}\nnats: {listen: \"127.0.0.1:%d\"}\nhttp: {listen: %q}\naccounts:\n", dir, natsPort, httpAddr)
	for i := range n {
		fmt.Fprintf(&cfg, "  - {name: %s, address: %s@example.org, initial_sync: 1h, imap: {host: 127.0.0.1, port: %d, tls: none, username: %s, password_file: %s}}\n",
			benchUser(i), benchUser(i), s.Port, benchUser(i), pw)
	}
	cfgPath := filepath.Join(dir, "mailassist.yaml")
	os.WriteFile(cfgPath, []byte(cfg.String()), 0o600)
	lottery, err := demoMail.ReadFile("demo/02-lottery.eml")
	if err != nil {
		b.Fatal(err)
	}

	// Mailboxes that exist already, as an organisation's do: each user
	// logs in and asks for the STATUS of INBOX, Junk and Sent (a session
	// each), as a mail client would have.
	// Dovecot creates a user's mail directory and indexes on the first
	// login, a cost a deployment pays once, not at each start of
	// mailassist; MAILASSIST_BENCH_COLD=1 leaves it to mailassist's first
	// logins.
	cold := os.Getenv("MAILASSIST_BENCH_COLD") != ""
	var provisioned time.Duration
	if !cold {
		start := time.Now()
		work := make(chan int)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for i := range work {
					for _, mbox := range []string{"INBOX", "Junk", "Sent"} {
						s.UIDValidity(b, benchUser(i), mbox)
					}
				}
			})
		}
		for i := range n {
			work <- i
		}
		close(work)
		wg.Wait()
		provisioned = time.Since(start)
	}

	for b.Loop() {
		moved := &movedLog{at: map[string]time.Time{}}
		child := startChild(b, bin, cfgPath, moved)
		// INBOX, Junk and Sent (followed by default) of every account.
		watching := waitWatching(b, httpAddr, watchersPerAccount*n, 5*time.Minute)
		sessions := s.Sessions(b)
		// What the accounts cost while no mail comes: the child's CPU over
		// a quiet while after every watcher is live. At a first start most
		// of it is the accounts' bootstraps (learn, taking turns: a CPU
		// profile of this window gave them 24 %), the rest the leases'
		// renewals, NOTIFY's, and the bus.
		cpu0, quiet0 := cpuTime(b, child.Process.Pid), time.Now()
		time.Sleep(benchQuiet)
		idleCPU := float64(cpuTime(b, child.Process.Pid)-cpu0) / float64(time.Since(quiet0))

		sent := map[string]time.Time{}   // the APPEND's session began
		stored := map[string]time.Time{} // the APPEND returned
		var mu sync.Mutex
		var wg sync.WaitGroup
		work := make(chan int)
		for range 8 {
			wg.Go(func() {
				for i := range work {
					raw := strings.ReplaceAll(string(lottery), "\n", "\r\n")
					raw = strings.Replace(raw, "Message-ID: <", "Message-ID: <"+benchUser(i)+".", 1)
					mu.Lock()
					sent[benchUser(i)] = time.Now()
					mu.Unlock()
					s.Append(b, benchUser(i), "INBOX", []byte(raw))
					mu.Lock()
					stored[benchUser(i)] = time.Now()
					mu.Unlock()
				}
			})
		}
		for i := range n {
			work <- i
		}
		close(work)
		wg.Wait()
		lat := moved.wait(b, sent, 5*time.Minute)
		sessionsAfter := s.Sessions(b) // the applier's connections close after a minute idle
		rss := proc.Memory(child.Process.Pid, "VmHWM")
		stages := stageTimes(b, fmt.Sprintf("nats://127.0.0.1:%d", natsPort), filepath.Join(dir, "data", bus.SeedFileName), sent, stored, moved)

		// Restart: every account logs in again, paced; Dovecot must not
		// refuse any login.
		logBefore := fileSize(filepath.Join(s.Dir, "dovecot.log"))
		stopChild(b, child)
		child = startChild(b, bin, cfgPath, &movedLog{at: map[string]time.Time{}})
		rewatching := waitWatching(b, httpAddr, watchersPerAccount*n, 5*time.Minute)
		loginErrors := dovecotLoginErrors(b, filepath.Join(s.Dir, "dovecot.log"), logBefore)
		stopChild(b, child)

		b.ReportMetric(watching.Seconds(), "s-all-watching")
		b.ReportMetric(float64(sessions)/float64(n), "conns/account")
		b.ReportMetric(float64(rss)/(1<<20), "MB-peak-RSS")
		b.ReportMetric(100*idleCPU, "%cpu-idle")
		b.ReportMetric(pct(lat, 0.50).Seconds(), "s-p50-mail-to-move")
		b.ReportMetric(pct(lat, 0.99).Seconds(), "s-p99-mail-to-move")
		b.ReportMetric(rewatching.Seconds(), "s-all-watching-after-restart")
		b.ReportMetric(float64(len(loginErrors)), "login-errors")
		fmt.Printf("accounts %d: all %d watchers live after %v; %d IMAP sessions on Dovecot (%.2f per account); peak RSS %.1f MB; CPU while no mail comes %.1f %% of a core (first-start bootstraps included);\n"+
			"mail to move to Junk over %d accounts: p50 %v, p99 %v, max %v (then %d sessions, the applier's included); after a restart all live after %v, %d login errors in dovecot.log\n",
			n, watchersPerAccount*n, watching.Round(time.Millisecond), sessions, float64(sessions)/float64(n), float64(rss)/(1<<20), 100*idleCPU,
			len(lat), pct(lat, 0.5).Round(time.Millisecond), pct(lat, 0.99).Round(time.Millisecond), pct(lat, 1).Round(time.Millisecond), sessionsAfter,
			rewatching.Round(time.Millisecond), len(loginErrors))
		if cold {
			fmt.Println("mailboxes created by mailassist's first logins (MAILASSIST_BENCH_COLD)")
		} else {
			fmt.Printf("mailboxes existing before the start (each user's first logins, a STATUS of INBOX, Junk and Sent, 8 at a time: %v)\n", provisioned.Round(time.Millisecond))
		}
		fmt.Println("where the time goes (p50 / p99 of each step):", stages)
		fmt.Printf("new mail that no NOTIFY STATUS announced (found by the periodic recheck): %d\n", moved.missed)
		for _, l := range loginErrors[:min(len(loginErrors), 5)] {
			fmt.Println("  ", l)
		}
	}
}

func benchUser(i int) string { return fmt.Sprintf("u%04d", i) }

// movedLog collects, from the child's JSON log, when apply moved each
// account's message.
type movedLog struct {
	mu     sync.Mutex
	at     map[string]time.Time
	missed int // news the periodic recheck found, which NOTIFY had not announced
}

func (m *movedLog) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec struct {
			Time    time.Time `json:"time"`
			Msg     string    `json:"msg"`
			Account string    `json:"account"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			continue
		}
		m.mu.Lock()
		switch {
		case rec.Msg == "moved":
			m.at[rec.Account] = rec.Time
		case strings.HasPrefix(rec.Msg, "news found by the periodic recheck"):
			m.missed++
		}
		m.mu.Unlock()
	}
}

// wait returns the latencies once every account's message was moved.
func (m *movedLog) wait(b *testing.B, sent map[string]time.Time, within time.Duration) []time.Duration {
	deadline := time.Now().Add(within)
	for {
		m.mu.Lock()
		done := len(m.at)
		m.mu.Unlock()
		if done >= len(sent) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d messages moved within %v", done, len(sent), within)
		}
		time.Sleep(100 * time.Millisecond)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var lat []time.Duration
	for acct, t0 := range sent {
		lat = append(lat, m.at[acct].Sub(t0))
	}
	slices.Sort(lat)
	return lat
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted)-1)+0.5))]
}

func startChild(b *testing.B, bin, cfg string, moved *movedLog) *exec.Cmd {
	cmd := exec.Command(bin, "run", "--config", cfg)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	// The child's log goes to MAILASSIST_BENCH_LOG_DIR, if set, for a look
	// afterwards (GODEBUG=gctrace=1 in the environment adds the heap's
	// sizes).
	dir := os.Getenv("MAILASSIST_BENCH_LOG_DIR")
	if dir == "" {
		dir = filepath.Dir(cfg)
	}
	logf, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("run-%d.log", cmd.Process.Pid)), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	go func() { defer logf.Close(); moved.read(io.TeeReader(stderr, logf)) }()
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

func stopChild(b *testing.B, cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		b.Fatal("mailassist did not stop within 60s of SIGTERM")
	}
}

// watchersPerAccount: INBOX, Junk and Sent, which ingest follows by
// default (folders.ignore_sent).
const watchersPerAccount = 3

// waitWatching polls /healthz until it is 200 with want watchers.
func waitWatching(b *testing.B, addr string, want int, within time.Duration) time.Duration {
	start := time.Now()
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			var rep struct {
				OK       bool              `json:"ok"`
				Watchers []json.RawMessage `json:"watchers"`
			}
			json.NewDecoder(resp.Body).Decode(&rep)
			resp.Body.Close()
			if rep.OK && len(rep.Watchers) == want {
				return time.Since(start)
			}
		}
		if time.Since(start) > within {
			b.Fatalf("not all %d watchers live within %v", want, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// benchQuiet is how long BenchmarkAccounts measures the CPU of watching
// accounts that get no mail.
const benchQuiet = 10 * time.Second

// cpuTime is the user and system CPU time the process used so far.
func cpuTime(b *testing.B, pid int) time.Duration {
	s, err := proc.ReadStat(pid)
	if err != nil {
		b.Fatal(err)
	}
	return s.CPU
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// dovecotLoginErrors returns the lines of the log after offset that show
// a refused or failed login.
func dovecotLoginErrors(b *testing.B, path string, offset int64) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(data[min(offset, int64(len(data))):]), "\n") {
		l := strings.ToLower(line)
		if strings.Contains(l, "auth failed") || strings.Contains(l, "aborted login") || strings.Contains(l, "maximum number of") ||
			strings.Contains(l, "login-refused") || strings.Contains(l, "error:") && strings.Contains(l, "login") {
			out = append(out, line)
		}
	}
	return out
}

// stageTimes splits each message's way from APPEND to its move by the
// stream's timestamps of its events: ingested, classified, action.
func stageTimes(b *testing.B, url, seed string, sent, stored map[string]time.Time, moved *movedLog) string {
	// The embedded server admits only holders of the seed in data_dir.
	opt, err := nats.NkeyOptionFromSeed(seed)
	if err != nil {
		b.Fatal(err)
	}
	nc, err := nats.Connect(url, opt)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, "MAIL", jetstream.OrderedConsumerConfig{FilterSubjects: []string{"mail.ingested.>", "mail.classified.>", "mail.action.>"}})
	if err != nil {
		b.Fatal(err)
	}
	at := map[string]map[string]time.Time{} // kind → account → time
	for {
		batch, err := cons.FetchNoWait(500)
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			md, _ := m.Metadata()
			parts := strings.Split(m.Subject(), ".")
			if at[parts[1]] == nil {
				at[parts[1]] = map[string]time.Time{}
			}
			at[parts[1]][parts[2]] = md.Timestamp
		}
		if got == 0 {
			break
		}
	}
	moved.mu.Lock()
	defer moved.mu.Unlock()
	steps := []struct {
		name     string
		from, to func(string) time.Time
	}{
		{"the APPEND itself (the bench's login, APPEND, LOGOUT)", func(a string) time.Time { return sent[a] }, func(a string) time.Time { return stored[a] }},
		{"appended→ingested", func(a string) time.Time { return stored[a] }, func(a string) time.Time { return at["ingested"][a] }},
		{"ingested→classified", func(a string) time.Time { return at["ingested"][a] }, func(a string) time.Time { return at["classified"][a] }},
		{"classified→action", func(a string) time.Time { return at["classified"][a] }, func(a string) time.Time { return at["action"][a] }},
		{"action→moved", func(a string) time.Time { return at["action"][a] }, func(a string) time.Time { return moved.at[a] }},
	}
	var out []string
	for _, st := range steps {
		var d []time.Duration
		for a := range sent {
			if f, t := st.from(a), st.to(a); !f.IsZero() && !t.IsZero() {
				d = append(d, t.Sub(f))
			}
		}
		slices.Sort(d)
		out = append(out, fmt.Sprintf("%s %v / %v", st.name, pct(d, 0.5).Round(time.Millisecond), pct(d, 0.99).Round(time.Millisecond)))
	}
	return strings.Join(out, "; ")
}
