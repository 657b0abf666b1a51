package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"mailassist/bus"
	"mailassist/configs"
	"mailassist/hardness"
	"mailassist/mailmsg"
	"mailassist/spam"
)

//go:embed demo/*.eml
var demoMail embed.FS

func demoCmd() *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline on a built-in mailbox and show what it did",
		Long: `demo starts an in-process IMAP server holding a few sample messages, an
embedded NATS server, the shipped spam model and the built-in reply
generator, runs every role until the sample mail is handled, and prints
what happened to each message. Nothing leaves the process; nothing is kept.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd.OutOrStdout(), verbose)
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show the pipeline's logs")
	return cmd
}

// demoMailbox is the in-process IMAP server of the demo.
type demoMailbox struct {
	user *imapmemserver.User
	srv  *imapserver.Server
	port int
}

func startDemoMailbox() (*demoMailbox, error) {
	user := imapmemserver.NewUser("demo", "demo-password")
	for _, name := range []string{"INBOX", "Drafts", "Junk"} {
		if err := user.Create(name, nil); err != nil {
			return nil, err
		}
	}
	mem := imapmemserver.New()
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}, imap.CapMove: {}},
		InsecureAuth: true, // loopback only
		Logger:       slogPrintf{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go srv.Serve(ln)
	return &demoMailbox{user: user, srv: srv, port: ln.Addr().(*net.TCPAddr).Port}, nil
}

// seed appends the sample messages with CRLF line endings.
func (d *demoMailbox) seed() (int, error) {
	files, err := fs.Glob(demoMail, "demo/*.eml")
	if err != nil {
		return 0, err
	}
	sort.Strings(files)
	for _, f := range files {
		raw, err := demoMail.ReadFile(f)
		if err != nil {
			return 0, err
		}
		raw = bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
		if _, err := d.user.Append("INBOX", literalReader{bytes.NewReader(raw)}, &imap.AppendOptions{Time: time.Now()}); err != nil {
			return 0, fmt.Errorf("seed %s: %w", f, err)
		}
	}
	return len(files), nil
}

func (d *demoMailbox) count(mailbox string) int {
	st, err := d.user.Status(mailbox, &imap.StatusOptions{NumMessages: true})
	if err != nil || st.NumMessages == nil {
		return 0
	}
	return int(*st.NumMessages)
}

type literalReader struct{ *bytes.Reader }

func (l literalReader) Size() int64 { return l.Reader.Size() }

type slogPrintf struct{}

func (slogPrintf) Printf(string, ...any) {}

func demoConfig(dir string, imapPort, natsPort int) (*configs.Config, error) {
	pw := filepath.Join(dir, "imap-password")
	if err := os.WriteFile(pw, []byte("demo-password"), 0o600); err != nil {
		return nil, err
	}
	y := fmt.Sprintf(`data_dir: %q
log: {level: warn}
nats: {listen: "127.0.0.1:%d"}
http: {listen: ""}
stages: {grace: 2s}
accounts:
  - name: demo
    address: demo@example.org
    initial_sync: 30d
    imap: {host: 127.0.0.1, port: %d, tls: none, username: demo, password_file: %q}
`, filepath.Join(dir, "data"), natsPort, imapPort, pw)
	return configs.Parse("demo.yaml", []byte(y))
}

func freeLoopbackPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func runDemo(parent context.Context, out io.Writer, verbose bool) error {
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(parent, 2*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "mailassist-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	box, err := startDemoMailbox()
	if err != nil {
		return fmt.Errorf("demo mailbox: %w", err)
	}
	defer box.srv.Close()
	n, err := box.seed()
	if err != nil {
		return err
	}
	natsPort, err := freeLoopbackPort()
	if err != nil {
		return err
	}
	cfg, err := demoConfig(dir, box.port, natsPort)
	if err != nil {
		return err
	}
	log := slog.New(slog.DiscardHandler)
	if verbose {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	fmt.Fprintf(out, "mailassist demo: %d sample messages in an in-process IMAP mailbox, embedded NATS, shipped spam model\n\n", n)
	e, err := setup(ctx, cfg, log, embedAlways, "demo")
	if err != nil {
		return err
	}
	defer e.close()

	rec, err := recordEvents(e.bus.NC)
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runRoles(runCtx, e, roles()) }()

	err = waitDemo(ctx, rec, box, n)
	stop()
	if rerr := <-done; err == nil {
		err = rerr
	}
	rec.print(ctx, out, box, e.bus)
	return err
}

// demoEvents records what the pipeline published, by message identity.
type demoEvents struct {
	mu         sync.Mutex
	ingested   map[string]bus.Ingested
	classified map[string]bus.Classified
	actions    map[string][]bus.Action
	suggested  map[string]bus.Suggested
	escalated  map[string]bus.Escalated
	dead       []bus.DeadLetter
	last       time.Time
}

func recordEvents(nc *nats.Conn) (*demoEvents, error) {
	r := &demoEvents{ingested: map[string]bus.Ingested{}, classified: map[string]bus.Classified{}, actions: map[string][]bus.Action{},
		suggested: map[string]bus.Suggested{}, escalated: map[string]bus.Escalated{}}
	_, err := nc.Subscribe("mail.>", func(m *nats.Msg) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.last = time.Now()
		switch kind, _ := bus.ParseSubject(m.Subject); kind {
		case bus.KindIngested:
			keep(m.Data, r.ingested, func(ev bus.Ingested) string { return ev.ID })
		case bus.KindClassified:
			keep(m.Data, r.classified, func(ev bus.Classified) string { return ev.ID })
		case bus.KindSuggested:
			keep(m.Data, r.suggested, func(ev bus.Suggested) string { return ev.ID })
		case bus.KindEscalated:
			keep(m.Data, r.escalated, func(ev bus.Escalated) string { return ev.ID })
		case bus.KindAction:
			var ev bus.Action
			if json.Unmarshal(m.Data, &ev) == nil {
				r.actions[ev.ID] = append(r.actions[ev.ID], ev)
			}
		case bus.KindDeadLetter:
			var ev bus.DeadLetter
			if json.Unmarshal(m.Data, &ev) == nil {
				r.dead = append(r.dead, ev)
			}
		}
	})
	return r, err
}

// keep decodes data as T into m under its id.
func keep[T any](data []byte, m map[string]T, id func(T) string) {
	var ev T
	if json.Unmarshal(data, &ev) == nil {
		m[id(ev)] = ev
	}
}

// waitDemo waits until every sample message is classified and every
// requested move has reached Junk.
func waitDemo(ctx context.Context, r *demoEvents, box *demoMailbox, n int) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		r.mu.Lock()
		classified, moves, drafts := len(r.classified), 0, 0
		for _, acts := range r.actions {
			for _, a := range acts {
				switch a.Kind {
				case bus.ActionMove:
					moves++
				case bus.ActionDraft:
					drafts++
				}
			}
		}
		r.mu.Unlock()
		// Settled: every message classified, and every move and draft
		// asked for is in the mailbox (flags are not counted).
		if classified >= n && box.count("Junk") >= moves && box.count("Drafts") >= drafts && time.Since(lastEvent(r)) > 500*time.Millisecond {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo did not finish: %d of %d messages classified", classified, n)
		case <-t.C:
		}
	}
}

// lastEvent is when the pipeline last published anything.
func lastEvent(r *demoEvents) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// print writes what happened to each message, reading the raw mail from
// the bus.
func (r *demoEvents) print(ctx context.Context, out io.Writer, box *demoMailbox, b *bus.Bus) {
	load := func(inline []byte, key, object string) []byte {
		raw, err := b.LoadBlob(ctx, inline, key, object)
		if err != nil {
			return []byte("Subject: (" + err.Error() + ")\r\n\r\n")
		}
		return raw
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := make([]string, 0, len(r.ingested))
	for id := range r.ingested {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return r.ingested[ids[i]].UID < r.ingested[ids[j]].UID })
	for _, id := range ids {
		in := r.ingested[id]
		m := mailmsg.Parse(load(in.Raw, in.RawKey, in.RawObject))
		from := ""
		if len(m.From) > 0 {
			from = m.From[0].Addr
		}
		fmt.Fprintf(out, "uid %-2d %-34s %s\n", in.UID, from, m.Subject)
		if c, ok := r.classified[id]; ok {
			fmt.Fprintf(out, "       spam: %-4s score %.3f (threshold %.3f)", c.Verdict, c.Score, c.Threshold)
			if len(c.Reasons) > 0 {
				fmt.Fprintf(out, "\n       because:")
				for i, rs := range c.Reasons {
					if i == 3 {
						break
					}
					if i > 0 {
						fmt.Fprint(out, ";")
					}
					fmt.Fprintf(out, " %s (%+.2f)", spam.Describe(rs.Feature), rs.Weight)
				}
			}
			fmt.Fprintln(out)
			if c.Verdict == bus.VerdictHam && c.Score >= 0.3 {
				fmt.Fprintf(out, "       (gray zone: with spam.llm set, a small LLM gives a second opinion here)\n")
			}
		}
		if sg, ok := r.suggested[id]; ok {
			fmt.Fprintf(out, "       reply suggestions (%s):", sg.Source)
			for _, x := range sg.Suggestions {
				fmt.Fprintf(out, " [%s] %q", x.Intent, x.Text)
			}
			fmt.Fprintln(out)
		}
		if es, ok := r.escalated[id]; ok {
			fmt.Fprintf(out, "       escalated (score %.2f, %s) to the %s, priority %s", es.Score, reasonNames(es.Reasons), es.Handler, es.Priority)
			if es.Handoff != "" {
				fmt.Fprintf(out, ": %s", es.Handoff)
			}
			fmt.Fprintln(out)
			for _, ask := range es.Asks {
				fmt.Fprintf(out, "         ask: %s\n", ask)
			}
		}
		for _, a := range r.actions[id] {
			switch a.Kind {
			case bus.ActionMove:
				fmt.Fprintf(out, "       action: moved to Junk\n")
			case bus.ActionDraft:
				dm := mailmsg.Parse(load(a.Draft, a.DraftKey, a.DraftObject))
				fmt.Fprintf(out, "       action: draft in Drafts — %q to %s: %q\n", dm.Subject, addrs(dm.To), firstLine(dm.Text))
			case bus.ActionFlags:
				fmt.Fprintf(out, "       action: flags %v\n", a.AddFlags)
			}
		}
	}
	for _, dl := range r.dead {
		fmt.Fprintf(out, "dead letter from %s: %s\n", dl.Stage, dl.Reason)
	}
	fmt.Fprintf(out, "\nmailbox now: INBOX %d, Junk %d, Drafts %d — nothing was sent.\n",
		box.count("INBOX"), box.count("Junk"), box.count("Drafts"))
}

func reasonNames(rs []bus.HardnessReason) string {
	var b strings.Builder
	for i, r := range rs {
		if r.Weight <= 0 {
			continue
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(hardness.Describe(r.Name))
	}
	return b.String()
}

func addrs(as []mailmsg.Address) string {
	var parts []string
	for _, a := range as {
		parts = append(parts, a.Addr)
	}
	return strings.Join(parts, ", ")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(line)
}
