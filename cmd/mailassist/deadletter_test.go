package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/internal/memimap"
)

// A draft action that apply could not carry out (the password was wrong)
// is dead-lettered with its reason after stages.max_deliver failures; the
// operator fixes the password and replays it twice: one draft, because
// apply is idempotent. list, show and status tell the story.
func TestDeadLetterListShowReplayTwice(t *testing.T) {
	srv := memimap.Start(t)
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("wrong"), 0o600)
	natsAddr := "127.0.0.1:" + itoa(freePort(t))
	cfg := filepath.Join(dir, "mailassist.yaml")
	os.WriteFile(cfg, []byte(`data_dir: `+dir+`/data
log: {level: error}
nats: {listen: "`+natsAddr+`"}
http: {listen: ""}
stages: {max_deliver: 2}
accounts:
  - name: alice
    address: alice@example.org
    imap: {host: 127.0.0.1, port: `+itoa(srv.Port)+`, tls: none, username: alice, password_file: `+pw+`}
`), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, "run", embedAlways, roles()) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()

	nc := connectWhenUp(t, "nats://"+natsAddr, filepath.Join(dir, "data"))
	js, _ := jetstream.New(nc)
	id := "alice/7/42"
	draft := fmt.Sprintf("From: alice@example.org\r\nTo: bob@example.org\r\nSubject: Re: hi\r\n%s: %s\r\n\r\nSure.\r\n", bus.RefHeader, id)
	act := fmt.Sprintf(`{"v":1,"id":%q,"account":"alice","kind":"draft","stage":"reply","draft":%q}`, id, b64(draft))
	waitConsumer(t, js, "apply")
	if _, err := js.Publish(ctx, bus.Subject(bus.KindAction, "alice"), []byte(act), jetstream.WithMsgID("reply/draft/"+id)); err != nil {
		t.Fatal(err)
	}

	var out string
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out, "failed") {
		if time.Now().After(deadline) {
			t.Fatalf("no dead letter:\n%s", out)
		}
		time.Sleep(300 * time.Millisecond)
		out, _ = execute(t, "deadletter", "list", "--config", cfg, "--account", "alice", "--since", "1h", "--reason", "failed")
	}
	if !strings.Contains(out, "apply") || !strings.Contains(out, "gave up after 2 deliveries") || !strings.Contains(out, "login") {
		t.Errorf("list:\n%s", out)
	}
	seq := regexp.MustCompile(`(?m)^(\d+)\s`).FindStringSubmatch(out)[1]
	if out, _ := execute(t, "deadletter", "list", "--config", cfg, "--reason", "panic"); !strings.Contains(out, "no dead letters") {
		t.Errorf("list --reason panic:\n%s", out)
	}
	show, err := execute(t, "deadletter", "show", seq, "--config", cfg)
	if err != nil || !strings.Contains(show, `"kind": "draft"`) || !strings.Contains(show, "bytes of base64 left out") {
		t.Errorf("show: %v\n%s", err, show)
	}

	os.WriteFile(pw, []byte(memimap.Password), 0o600) // the cause is fixed
	for range 2 {
		if out, err := execute(t, "deadletter", "replay", seq, "--config", cfg); err != nil || !strings.Contains(out, "replayed as seq") {
			t.Fatalf("replay: %v\n%s", err, out)
		}
	}
	deadline = time.Now().Add(30 * time.Second)
	for drafts(t, srv) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the replayed draft never reached Drafts")
		}
		time.Sleep(200 * time.Millisecond)
	}
	waitConsumerIdle(t, js, "apply")
	if n := drafts(t, srv); n != 1 {
		t.Fatalf("Drafts holds %d messages after two replays, want 1", n)
	}
	// Both replays were delivered (new Nats-Msg-Ids: JetStream dropped
	// neither); apply found the draft the first one filed.
	show, _ = execute(t, "deadletter", "show", seq, "--config", cfg)
	if n := strings.Count(show, "replayed:"); n != 2 {
		t.Errorf("show lists %d replays, want 2:\n%s", n, show)
	}
	status, err := execute(t, "status", "--config", cfg)
	if err != nil || !regexp.MustCompile(`alice\s+failed\s+1\s+1`).MatchString(status) {
		t.Errorf("status: %v\n%s", err, status)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func drafts(t *testing.T, srv *memimap.Server) int {
	st, err := srv.User.Status("Drafts", &imap.StatusOptions{NumMessages: true})
	if err != nil {
		return 0 // not created yet
	}
	return int(*st.NumMessages)
}

// connectWhenUp connects to the embedded server of run, once it is up,
// with the credentials run keeps in dataDir.
func connectWhenUp(t *testing.T, url, dataDir string) *nats.Conn {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		nc, err := func() (*nats.Conn, error) {
			nk, err := nats.NkeyOptionFromSeed(filepath.Join(dataDir, bus.SeedFileName))
			if err != nil {
				return nil, err
			}
			return nats.Connect(url, nk)
		}()
		if err == nil {
			t.Cleanup(nc.Close)
			return nc
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitConsumer(t *testing.T, js jetstream.JetStream, name string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := js.Consumer(context.Background(), bus.StreamName, name); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer %s never created", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitConsumerIdle(t *testing.T, js jetstream.JetStream, name string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := js.Consumer(context.Background(), bus.StreamName, name)
		if err == nil {
			if ci, err := c.Info(context.Background()); err == nil && ci.NumPending == 0 && ci.NumAckPending == 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer %s still busy", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
