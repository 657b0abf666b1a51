package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// trainBogofilter trains a fresh bogofilter database in dir on the
// corpus's train rows (the rows the built-in model was trained on).
func trainBogofilter(dir string, c *corpus) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, t := range []struct {
		flag  string
		paths []string
	}{{"-s", c.trainSpam}, {"-n", c.trainHam}} {
		cmd := exec.Command("bogofilter", "-d", dir, t.flag, "-b")
		cmd.Stdin = strings.NewReader(strings.Join(t.paths, "\n") + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("bogofilter %s: %v: %s", t.flag, err, out)
		}
	}
	return nil
}

// imapfilterRun is one drain of the same backlog by imapfilter, piping
// each message to bogofilter (scripts/imapfilter-bogofilter.lua).
type imapfilterRun struct {
	script  string
	bogoDir string
	user    string
	imap    *imapServer
	n       int
	dir     string
}

func (r *imapfilterRun) run(ctx context.Context) (*result, error) {
	cmd := exec.CommandContext(ctx, "imapfilter", "-c", r.script)
	cmd.Env = append(os.Environ(),
		"HOME="+r.dir, // imapfilter keeps ~/.imapfilter
		"IMAPFILTER_HOST="+r.imap.Host, "IMAPFILTER_PORT="+strconv.Itoa(r.imap.Port),
		"IMAPFILTER_USER="+r.user, "IMAPFILTER_PASSWORD="+benchPassword,
		"BOGOFILTER_DIR="+r.bogoDir,
	)
	out, err := os.Create(filepath.Join(r.dir, "imapfilter.log"))
	if err != nil {
		return nil, err
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	dovecot0 := r.imap.cpu(nil)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("imapfilter: %w", err)
	}
	pid := cmd.Process.Pid
	var mon monitor
	mon.start(pid, 0, r.bogoDir)
	err = cmd.Wait()
	drain := time.Since(start)
	mon.stop()
	if err != nil {
		return nil, fmt.Errorf("imapfilter: %v (see %s)", err, out.Name())
	}
	dovecot := r.imap.cpu(nil) - dovecot0
	// wait4's usage covers imapfilter and every bogofilter it waited for.
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return &result{
		System: "imapfilter+bogofilter", Messages: r.n, DrainSeconds: drain.Seconds(),
		MsgsPerSecond: float64(r.n) / drain.Seconds(), CPUSeconds: cpu.Seconds(),
		IMAPServerCPUSeconds: dovecot, PeakRSSBytes: max(ru.Maxrss<<10, mon.peakRSS()),
	}, nil
}
