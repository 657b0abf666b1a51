// Command mailbench measures how mailassist drains a mailbox backlog,
// against imapfilter piping every message to bogofilter, on the same
// Dovecot, the same mailbox and the same machine, alternated in one run.
//
//	go build -o /tmp/mailbench ./cmd/mailbench
//	nice -n 10 /tmp/mailbench -corpus DIR -sizes 1000,10000,30000 -json out.json
//
// For each size it fills a Dovecot mailbox with that many messages from
// the corpus (70 % ham, 30 % spam, each with a Message-ID of its own),
// copies the mailbox for imapfilter, and runs:
//
//   - imapfilter with scripts/imapfilter-bogofilter.lua, bogofilter
//     trained on the corpus's train rows;
//   - `mailassist run` with the built-in models, from an empty data
//     directory, until ingest's checkpoint covers the backlog and every
//     stage consumer is empty; meanwhile a spam probe is appended every
//     -probe-every, and after the drain -probes-after more, each timed
//     from its APPEND to its move to Junk;
//   - with -systems mailassist-nats, the same with mailassist's NATS
//     server (the one it embeds, same code and settings) in a process of
//     its own, so that the memory and CPU of each are reported apart.
//
// It reports drain time, messages per second, peak RSS, the CPU of each
// system and of Dovecot's processes, mailassist's data directory (peak
// while draining, and what each stream holds at the end), and the new
// mail latencies, as a Markdown table and as JSON.
//
// The corpus is the public SpamAssassin corpus laid out by
// shared/corpus/spamassassin.sh DIR.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	serveNATSIfChild()
	var (
		corpusDir   = flag.String("corpus", "", "corpus directory (shared/corpus/spamassassin.sh DIR); required")
		sizes       = flag.String("sizes", "1000", "backlog sizes, comma-separated")
		systems     = flag.String("systems", "imapfilter,mailassist", "what to run, in this order for each size: imapfilter, mailassist, mailassist-nats (its NATS server in a process of its own, measured apart)")
		bin         = flag.String("mailassist", "", "mailassist binary (default: go build ./cmd/mailassist)")
		script      = flag.String("imapfilter-script", "scripts/imapfilter-bogofilter.lua", "imapfilter config")
		probeEvery  = flag.Duration("probe-every", time.Second, "new mail while the backlog drains: one probe every")
		probesAfter = flag.Int("probes-after", 20, "new mail after the drain: this many probes, 300 ms apart")
		rawMaxAge   = flag.Duration("raw-max-age", 0, "stream.raw_max_age for mailassist (0: its default); when set, the bench waits that long after the drain and reports the raw bytes left")
		jsonOut     = flag.String("json", "", "write the results as JSON to this file")
		keep        = flag.Bool("keep", false, "keep the work directory (logs, data directories)")
		logLevel    = flag.String("log-level", "info", "mailassist's log level (its log is in the work directory)")
		extraYAML   = flag.String("mailassist-yaml", "", "more of mailassist's config, appended (e.g. 'spam: {bootstrap: {enabled: false}}')")
	)
	flag.Parse()
	log.SetFlags(log.Ltime)
	if *corpusDir == "" {
		log.Fatal("-corpus is required (lay it out with: bash shared/corpus/spamassassin.sh DIR)")
	}
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			log.Fatalf("-sizes: %q is not a positive number", s)
		}
		ns = append(ns, n)
	}
	run := strings.Split(*systems, ",")
	for i, sys := range run {
		if _, known := userPrefix[sys]; !known || slices.Contains(run[:i], sys) {
			log.Fatalf("-systems: %q is unknown or given twice (imapfilter, mailassist, mailassist-nats)", sys)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	b := &bench{corpusDir: *corpusDir, bin: *bin, script: *script, probeEvery: *probeEvery, probesAfter: *probesAfter,
		rawMaxAge: *rawMaxAge, keep: *keep, logLevel: *logLevel, extraYAML: *extraYAML}
	rep, err := b.run(ctx, ns, run)
	if err != nil {
		log.Fatal(err)
	}
	rep.writeTable(os.Stdout)
	if *jsonOut != "" {
		f, err := os.Create(*jsonOut)
		if err != nil {
			log.Fatal(err)
		}
		if err := rep.writeJSON(f); err != nil {
			log.Fatal(err)
		}
		f.Close()
	}
}

type bench struct {
	corpusDir, bin, script string
	probeEvery             time.Duration
	probesAfter            int
	rawMaxAge              time.Duration
	keep                   bool
	logLevel               string
	extraYAML              string
}

func (b *bench) run(ctx context.Context, sizes []int, systems []string) (*report, error) {
	c, err := loadCorpus(b.corpusDir)
	if err != nil {
		return nil, err
	}
	if err := c.pickProbes(50); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "mailbench-")
	if err != nil {
		return nil, err
	}
	if b.keep {
		log.Printf("work directory %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	if (slices.Contains(systems, systemMailassist) || slices.Contains(systems, systemMailassistNATS)) && b.bin == "" {
		b.bin = filepath.Join(work, "mailassist")
		log.Printf("building mailassist")
		if out, err := exec.Command("go", "build", "-o", b.bin, "./cmd/mailassist").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build ./cmd/mailassist (run mailbench in the repository, or give -mailassist): %v\n%s", err, out)
		}
	}
	script, err := filepath.Abs(b.script)
	if err != nil {
		return nil, err
	}
	var users []string
	for _, n := range sizes {
		for _, sys := range systems {
			users = append(users, user(sys, n))
		}
	}
	s, err := startDovecot(users)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if b.keep { // Dovecot's log too: why it closed a connection, say
		defer s.keepLog(work)
	}
	rep := &report{Start: time.Now().UTC(), Corpus: b.corpusDir, Machine: machine(), Dovecot: version("dovecot", "--version"),
		Mailassist: version(b.bin, "version")}
	bogo := filepath.Join(work, "bogofilter")
	if slices.Contains(systems, systemImapfilter) {
		log.Printf("training bogofilter on %d train rows", len(c.trainHam)+len(c.trainSpam))
		if err := trainBogofilter(bogo, c); err != nil {
			return nil, err
		}
	}
	for _, n := range sizes {
		// Each system drains a mailbox of its own, copied from the one
		// filled before any of them ran.
		first := user(systems[0], n)
		log.Printf("filling a mailbox with %d messages", n)
		raw, err := s.fill(first, n, c)
		if err != nil {
			return nil, fmt.Errorf("fill: %w", err)
		}
		for _, sys := range systems[1:] {
			if err := s.clone(first, user(sys, n)); err != nil {
				return nil, err
			}
		}
		for _, sys := range systems {
			dir := filepath.Join(work, fmt.Sprintf("%s-%d", sys, n))
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, err
			}
			var res *result
			switch sys {
			case systemImapfilter:
				log.Printf("%d messages: imapfilter + bogofilter", n)
				r := &imapfilterRun{script: script, bogoDir: bogo, user: user(sys, n), imap: s, n: n, dir: dir}
				res, err = r.run(ctx)
			case systemMailassist, systemMailassistNATS:
				log.Printf("%d messages: %s", n, sys)
				r := &mailassistRun{bin: b.bin, dir: dir, user: user(sys, n), imap: s, n: n, lastUID: uint32(n),
					probeEvery: b.probeEvery, probesAfter: b.probesAfter, spams: c.probeSpams, logLevel: b.logLevel, extraYAML: b.extraYAML, logf: log.Printf,
					separateNATS: sys == systemMailassistNATS}
				r.rawMaxAge = b.rawMaxAge
				res, err = r.run(ctx)
			default:
				return nil, fmt.Errorf("-systems: unknown %q", sys)
			}
			if err != nil {
				return nil, fmt.Errorf("%s, %d messages: %w", sys, n, err)
			}
			res.RawBytes = raw
			res.summarize()
			rep.Results = append(rep.Results, res)
			log.Printf("  %.1f s, %.0f msgs/s, peak RSS %.0f MB, CPU %.1f s, Dovecot CPU %.1f s",
				res.DrainSeconds, res.MsgsPerSecond, mb(res.PeakRSSBytes), res.CPUSeconds, res.IMAPServerCPUSeconds)
			if sys == systemMailassistNATS {
				log.Printf("  its NATS server: peak RSS %.0f MB, CPU %.1f s", mb(res.NATSPeakRSSBytes), res.NATSCPUSeconds)
			}
		}
		for _, sys := range systems {
			u := user(sys, n)
			junk, _ := s.count(u, "Junk")
			log.Printf("  %s: %d in Junk", u, junk)
			if !b.keep {
				s.remove(u)
			}
		}
	}
	return rep, nil
}

// userPrefix names the systems a bench runs (-systems), each with the
// prefix of the Dovecot users whose mailboxes it drains.
var userPrefix = map[string]string{systemImapfilter: "if", systemMailassist: "ma", systemMailassistNATS: "mn"}

// user is the Dovecot user whose mailbox a system drains at a backlog
// size: ma1000 for mailassist, mn1000 for mailassist-nats, if1000 for
// imapfilter.
func user(system string, n int) string { return userPrefix[system] + strconv.Itoa(n) }

func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs, %s, %s/%s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH)
}

func version(bin string, args ...string) string {
	if bin == "" {
		return ""
	}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
}
