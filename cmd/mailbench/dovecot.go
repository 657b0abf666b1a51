package main

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/internal/dovecottest"
)

// benchPassword is every bench user's password.
const benchPassword = "bench"

// imapServer is the Dovecot the bench fills and measures: a throwaway one
// (internal/dovecottest, Debian's dovecot with a config of its own on
// free loopback ports), its processes in one process group.
type imapServer struct {
	*dovecottest.Server
	pgrp int
}

func startDovecot(users []string) (*imapServer, error) {
	if !dovecottest.Available() {
		return nil, fmt.Errorf("dovecot is not installed (apt-get install dovecot-imapd)")
	}
	var opts []dovecottest.Option
	for _, u := range users {
		opts = append(opts, dovecottest.WithUser(u, benchPassword))
	}
	s, err := dovecottest.Launch(opts...)
	if err != nil {
		return nil, err
	}
	pgrp := masterPID(s.Dir)
	if pgrp == 0 {
		s.Close()
		return nil, fmt.Errorf("dovecot's master process not found under %s", s.Dir)
	}
	return &imapServer{Server: s, pgrp: pgrp}, nil
}

// keepLog copies Dovecot's log into dir (which -keep keeps; Dovecot's own
// directory goes when it stops).
func (s *imapServer) keepLog(dir string) {
	b, err := os.ReadFile(filepath.Join(s.Dir, "dovecot.log"))
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "dovecot.log"), b, 0o644)
	}
	if err != nil {
		log.Printf("keeping Dovecot's log: %v", err)
	}
}

// masterPID is the pid of the dovecot master, which leads the group of
// all Dovecot's processes (dovecottest starts it with Setpgid); it writes
// it to base_dir/master.pid.
func masterPID(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "run", "master.pid"))
	if err != nil {
		return 0
	}
	var pid int
	fmt.Sscan(string(b), &pid)
	return pid
}

// cpu is the CPU Dovecot used so far, without the processes in skip.
func (s *imapServer) cpu(skip map[int]bool) float64 {
	return groupCPU(s.pgrp, skip).Seconds()
}

// imapPIDs lists the pids of Dovecot's IMAP processes.
func (s *imapServer) imapPIDs() map[int]bool {
	out := map[int]bool{}
	for _, p := range groupProcs(s.pgrp) {
		if p.Comm == "imap" {
			out[p.PID] = true
		}
	}
	return out
}

func (s *imapServer) login(user string) (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(s.Addr(), nil)
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, benchPassword).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("login %s: %w", user, err)
	}
	return c, nil
}

// fill appends n backlog messages to the user's INBOX over 4 connections
// and returns their bytes in all.
func (s *imapServer) fill(user string, n int, c *corpus) (int64, error) {
	const conns = 4
	work := make(chan int, 64)
	var (
		mu    sync.Mutex
		total int64
		first error
		wg    sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
	}
	for range conns {
		wg.Go(func() {
			cl, err := s.login(user)
			if err != nil {
				fail(err)
				for range work {
				}
				return
			}
			defer cl.Close()
			for i := range work {
				raw, err := c.message(i)
				if err == nil {
					err = appendMessage(cl, "INBOX", raw, nil)
				}
				if err != nil {
					fail(err)
					continue
				}
				mu.Lock()
				total += int64(len(raw))
				mu.Unlock()
			}
			cl.Logout().Wait()
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	return total, first
}

func appendMessage(c *imapclient.Client, mailbox string, raw []byte, flags []imap.Flag) error {
	_, err := appendUID(c, mailbox, raw, flags)
	return err
}

func appendUID(c *imapclient.Client, mailbox string, raw []byte, flags []imap.Flag) (imap.UID, error) {
	cmd := c.Append(mailbox, int64(len(raw)), &imap.AppendOptions{Flags: flags})
	if _, err := cmd.Write(raw); err != nil {
		return 0, fmt.Errorf("append: %w", err)
	}
	if err := cmd.Close(); err != nil {
		return 0, fmt.Errorf("append: %w", err)
	}
	data, err := cmd.Wait()
	if err != nil {
		return 0, fmt.Errorf("append: %w", err)
	}
	return data.UID, nil
}

// clone copies from's mail store to to's (which must have none yet), so
// that both hold the same mailbox without a second fill: Maildir files,
// Dovecot's index and UIDVALIDITY.
func (s *imapServer) clone(from, to string) error {
	src, dst := filepath.Join(s.Dir, "mail", from), filepath.Join(s.Dir, "mail", to)
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		return fmt.Errorf("copy %s to %s: %v: %s", src, dst, err, out)
	}
	return nil
}

// remove deletes the user's mail store (between sizes: disk space).
func (s *imapServer) remove(user string) error {
	return os.RemoveAll(filepath.Join(s.Dir, "mail", user))
}

// count returns the number of messages in the user's mailbox.
func (s *imapServer) count(user, mailbox string) (uint32, error) {
	c, err := s.login(user)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	data, err := c.Status(mailbox, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		return 0, err
	}
	c.Logout().Wait()
	return *data.NumMessages, nil
}
