package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/ingest"
	"mailassist/internal/proc"
)

// benchAccount is the account's name in mailassist's config.
const benchAccount = "bench"

// stageConsumers are the durable consumers that must be empty for the
// backlog to count as drained.
var stageConsumers = []string{"spam", "reply", "reply-received", "escalate", "apply"}

// mailassistRun is one drain by `mailassist run` in a child process.
type mailassistRun struct {
	bin, dir    string
	user        string
	imap        *imapServer
	n           int
	lastUID     uint32 // the highest backlog UID: done when ingest's checkpoint is there
	probeEvery  time.Duration
	probesAfter int
	rawMaxAge   time.Duration // stream.raw_max_age, 0 for the default
	spams       [][]byte
	logLevel    string // mailassist's log.level
	extraYAML   string // appended to the config
	// separateNATS runs the NATS server in a process of its own
	// (natsproc.go) instead of mailassist's embedded one, so that each
	// one's memory and CPU are measured apart (system mailassist-nats).
	separateNATS bool
	logf         func(format string, args ...any)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// config writes mailassist's config. Its NATS is the server at natsURL
// with the seed natsSeed, or, when natsURL is empty, its embedded server
// on a free port, whose URL config returns.
func (r *mailassistRun) config(natsURL, natsSeed string) (path, url string, err error) {
	natsCfg := fmt.Sprintf("{url: %q, nkey_file: %q}", natsURL, natsSeed)
	if natsURL == "" {
		natsPort, err := freePort()
		if err != nil {
			return "", "", err
		}
		natsURL = fmt.Sprintf("nats://127.0.0.1:%d", natsPort)
		natsCfg = fmt.Sprintf(`{listen: "127.0.0.1:%d"}`, natsPort)
	}
	httpPort, err := freePort()
	if err != nil {
		return "", "", err
	}
	pw := filepath.Join(r.dir, "password")
	if err := os.WriteFile(pw, []byte(benchPassword), 0o600); err != nil {
		return "", "", err
	}
	stream := ""
	if r.rawMaxAge > 0 {
		stream = fmt.Sprintf("stream: {raw_max_age: %s}\n", r.rawMaxAge)
	}
	cfg := fmt.Sprintf(`data_dir: %s/data
log: {level: %s, format: json}
nats: %s
http: {listen: "127.0.0.1:%d"}
%saccounts:
  - name: %s
    address: %s@example.org
    initial_sync: 30d
    imap: {host: 127.0.0.1, port: %d, tls: none, username: %s, password_file: %s}
`, r.dir, r.logLevel, natsCfg, httpPort, stream, benchAccount, r.user, r.imap.Port, r.user, pw)
	if r.extraYAML != "" {
		cfg += r.extraYAML + "\n"
	}
	path = filepath.Join(r.dir, "mailassist.yaml")
	return path, natsURL, os.WriteFile(path, []byte(cfg), 0o600)
}

// run drains the user's backlog with mailassist and measures it.
func (r *mailassistRun) run(ctx context.Context) (*result, error) {
	var natsProc *natsProcess
	natsURL, natsSeed := "", filepath.Join(r.dir, "data", bus.SeedFileName)
	if r.separateNATS {
		// Under data, so that the data directory's size counts its store.
		dir := filepath.Join(r.dir, "data", "nats-process")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		var err error
		if natsProc, err = startNATSProcess(dir); err != nil {
			return nil, err
		}
		defer natsProc.stop()
		natsURL, natsSeed = natsProc.url, natsProc.seed
	}
	cfgPath, natsURL, err := r.config(natsURL, natsSeed)
	if err != nil {
		return nil, err
	}
	pr, err := newProber(r.imap, r.user, r.spams)
	if err != nil {
		return nil, err
	}
	defer pr.stop()
	skip := map[int]bool{pr.pid: true}

	logFile, err := os.Create(filepath.Join(r.dir, "mailassist.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(r.bin, "run", "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}

	dovecot0 := r.imap.cpu(skip)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	}()
	pid := cmd.Process.Pid

	var mon monitor
	natsPID := 0
	if natsProc != nil {
		natsPID = natsProc.pid()
	}
	mon.start(pid, natsPID, filepath.Join(r.dir, "data"))
	defer mon.stop()

	w, err := connectBus(ctx, natsURL, natsSeed, exited)
	if err != nil {
		return nil, err
	}
	defer w.nc.Close()

	// New mail while the backlog drains: a probe every probeEvery.
	probing := make(chan struct{})
	var probes sync.WaitGroup
	probes.Go(func() {
		t := time.NewTicker(r.probeEvery)
		defer t.Stop()
		for {
			select {
			case <-probing:
				return
			case <-t.C:
				pr.send("during")
			}
		}
	})
	err = w.waitDrained(ctx, r.lastUID, exited, r.logf)
	drain := time.Since(start)
	close(probing)
	probes.Wait()
	if err != nil {
		return nil, err
	}
	cpu := childCPU(pid)
	var natsCPU float64
	if natsProc != nil {
		natsCPU = childCPU(natsPID)
	}
	dovecot := r.imap.cpu(skip) - dovecot0
	peakDir := mon.peakDir()

	// New mail once the backlog is done.
	pr.wait(30 * time.Second)
	r.logf("  drained; new mail after it from now")
	for range r.probesAfter {
		pr.send("after")
		time.Sleep(300 * time.Millisecond)
	}
	pr.wait(30 * time.Second)

	res := &result{
		System: r.system(), Messages: r.n, DrainSeconds: drain.Seconds(),
		MsgsPerSecond: float64(r.n) / drain.Seconds(),
		CPUSeconds:    cpu, IMAPServerCPUSeconds: dovecot,
		PeakRSSBytes:     max(proc.Memory(pid, "VmHWM"), mon.peakRSS()),
		DataDirPeakBytes: peakDir,
	}
	if natsProc != nil {
		res.NATSCPUSeconds = natsCPU
		res.NATSPeakRSSBytes = max(proc.Memory(natsPID, "VmHWM"), mon.peakNATSRSS())
	}
	res.During, res.DuringLost = pr.latencies("during")
	res.After, res.AfterLost = pr.latencies("after")
	for _, id := range pr.missing() {
		r.logf("  probe never moved to Junk: %s", id)
	}
	for _, slow := range pr.slow(time.Second) {
		r.logf("  slow probe: %s", slow)
	}
	res.DataDirEndBytes = diskUsage(filepath.Join(r.dir, "data"))
	res.Buckets = w.streamBytes(ctx)
	if r.rawMaxAge > 0 {
		r.logf("  waiting %v (stream.raw_max_age) for the raw bodies to expire", r.rawMaxAge)
		time.Sleep(r.rawMaxAge + 5*time.Second)
		left := w.rawBytes(ctx)
		res.RawLeftBytes = &left
	}
	if pr.lastErr != nil {
		r.logf("probe: %v", pr.lastErr)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-exited
	}
	return res, nil
}

// system names the run in the report: mailassist, or mailassist-nats
// with its NATS server apart.
func (r *mailassistRun) system() string {
	if r.separateNATS {
		return systemMailassistNATS
	}
	return systemMailassist
}

// childCPU is the process's user + system CPU so far, in seconds.
func childCPU(pid int) float64 {
	s, err := proc.ReadStat(pid)
	if err != nil {
		return 0
	}
	return s.CPU.Seconds()
}

// monitor samples the RSS of mailassist and of its NATS server process
// (if any) every 100 ms, and a directory's disk usage every second.
type monitor struct {
	mu      sync.Mutex
	rss     int64
	natsRSS int64
	dir     int64
	stopCh  chan struct{}
	stopped sync.WaitGroup
}

func (m *monitor) start(pid, natsPID int, dir string) {
	m.stopCh = make(chan struct{})
	m.stopped.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-m.stopCh:
				return
			case <-t.C:
			}
			r := proc.Memory(pid, "VmRSS")
			var nr int64
			if natsPID != 0 {
				nr = proc.Memory(natsPID, "VmRSS")
			}
			var d int64
			if i%10 == 0 {
				d = diskUsage(dir)
			}
			m.mu.Lock()
			m.rss, m.natsRSS, m.dir = max(m.rss, r), max(m.natsRSS, nr), max(m.dir, d)
			m.mu.Unlock()
		}
	})
}

func (m *monitor) stop() {
	if m.stopCh != nil {
		close(m.stopCh)
		m.stopped.Wait()
		m.stopCh = nil
	}
}

func (m *monitor) peakRSS() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rss
}

func (m *monitor) peakNATSRSS() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.natsRSS
}

func (m *monitor) peakDir() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dir
}

// busWatch reads mailassist's bus: its consumers and ingest's checkpoint.
type busWatch struct {
	nc *nats.Conn
	js jetstream.JetStream
}

// connectBus connects to mailassist's NATS server (the child's embedded
// one, or the process of its own) with seed, once both exist.
func connectBus(ctx context.Context, url, seed string, exited <-chan error) (*busWatch, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		var nc *nats.Conn
		opt, err := nats.NkeyOptionFromSeed(seed)
		if err == nil {
			nc, err = nats.Connect(url, opt, nats.Name("mailbench"))
		}
		if err == nil {
			js, err := jetstream.New(nc)
			if err != nil {
				return nil, err
			}
			return &busWatch{nc: nc, js: js}, nil
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("mailassist exited: %v", err)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no NATS at %s after a minute: %w", url, err)
		}
	}
}

// waitDrained waits until ingest's INBOX checkpoint reached lastUID and
// every stage consumer is empty (nothing pending, nothing unacknowledged).
func (w *busWatch) waitDrained(ctx context.Context, lastUID uint32, exited <-chan error, logf func(string, ...any)) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	report := time.Now()
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("mailassist exited during the drain: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		at, err := w.checkpoint(ctx)
		if err != nil || at < lastUID {
			if time.Since(report) > 10*time.Second {
				logf("  ingest at uid %d of %d", at, lastUID)
				report = time.Now()
			}
			continue
		}
		busy, err := w.busy(ctx)
		if err == nil && busy == 0 {
			return nil
		}
		if time.Since(report) > 10*time.Second {
			logf("  ingested; %d messages in the stages", busy)
			report = time.Now()
		}
	}
}

func (w *busWatch) checkpoint(ctx context.Context) (uint32, error) {
	kv, err := w.js.KeyValue(ctx, bus.CheckpointsKV)
	if err != nil {
		return 0, err
	}
	e, err := kv.Get(ctx, ingest.CheckpointKey(benchAccount, "INBOX"))
	if err != nil {
		return 0, err
	}
	var cp bus.Checkpoint
	if err := json.Unmarshal(e.Value(), &cp); err != nil {
		return 0, err
	}
	return cp.LastUID, nil
}

// busy is the number of messages the stage consumers have not finished.
func (w *busWatch) busy(ctx context.Context) (uint64, error) {
	var n uint64
	for _, name := range stageConsumers {
		c, err := w.js.Consumer(ctx, bus.StreamName, name)
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		info := c.CachedInfo()
		n += info.NumPending + uint64(info.NumAckPending)
	}
	return n, nil
}

// rawBytes is what the bus holds of raw mail: the bodies bucket and the
// object store of large messages.
func (w *busWatch) rawBytes(ctx context.Context) uint64 {
	var n uint64
	for name, b := range w.streamBytes(ctx) {
		if name == "KV_"+bus.BodiesKV || name == "OBJ_"+bus.RawObjects {
			n += b
		}
	}
	return n
}

// streamBytes returns the bytes each stream of the bus holds.
func (w *busWatch) streamBytes(ctx context.Context) map[string]uint64 {
	out := map[string]uint64{}
	names := w.js.StreamNames(ctx)
	for name := range names.Name() {
		s, err := w.js.Stream(ctx, name)
		if err == nil {
			out[name] = s.CachedInfo().State.Bytes
		}
	}
	return out
}
