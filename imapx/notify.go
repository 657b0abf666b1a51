package imapx

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// CapNotify is the capability of RFC 5465 (go-imap names it, but its
// client has no NOTIFY command).
const CapNotify = imap.CapNotify

// ErrNotifyName means a mailbox name that Notifier does not send: it
// writes names as quoted ASCII strings only, without "&" (modified UTF-7
// is go-imap's internal business, and Dovecot 2.3.19 sends no STATUS for
// a name written "R&-D"); such folders get a connection each.
var ErrNotifyName = errors.New("NOTIFY: mailbox name is not plain ASCII without &")

// MailboxStatus is an untagged STATUS response: what NOTIFY reports of a
// mailbox that is not selected when messages arrive or go (RFC 5465,
// section 5.2). Fields the server did not send are zero.
type MailboxStatus struct {
	Mailbox     string
	Messages    uint32
	UIDNext     uint32
	UIDValidity uint32
}

// NotifyEvents are the message events to ask for (RFC 5465, section 5.2).
const NotifyEvents = "(MessageNew MessageExpunge)"

// Notifier gives a go-imap v2 client the NOTIFY command: it sits between
// the connection and the client, writes NOTIFY SET itself, takes the
// server's tagged answer to it out of what the client reads (the client
// would fail on a tag it did not send), and reports every untagged
// STATUS response, which the client reads too but throws away when it
// did not ask.
//
// Send commands with it only while the client has no command in flight
// (not during IDLE): IMAP allows one command stream, and the client does
// not know of this one.
type Notifier struct {
	conn net.Conn
	br   *bufio.Reader

	// Read state, used by the client's reading goroutine only.
	pend    []byte // the part of a response that is the client's to read
	literal int64  // bytes of a literal still to pass through
	inResp  bool   // after a literal: the rest of the response follows

	wmu sync.Mutex // one writer at a time

	mu       sync.Mutex
	tags     map[string]chan error
	seq      int
	onStatus func(MailboxStatus)
}

// notifyConn is the net.Conn the client reads from.
type notifyConn struct {
	net.Conn
	n *Notifier
}

func (c notifyConn) Read(p []byte) (int, error)  { return c.n.read(p) }
func (c notifyConn) Write(p []byte) (int, error) { return c.n.write(p) }

// notifyReadBuffer is the size of a Notifier's read buffer. The client
// reads through one of its own (4 KiB), and literals, the large part of
// what a server sends, pass straight from the connection to it; so this
// one needs to hold little more than a line: 512 bytes instead of 4 KiB,
// 3.5 KiB less for every watched account.
const notifyReadBuffer = 512

// newNotifier wraps conn; onStatus (may be nil) gets every untagged
// STATUS response, from the connection's reading goroutine: it must not
// block.
func newNotifier(conn net.Conn, prelude []byte, onStatus func(MailboxStatus)) (*Notifier, net.Conn) {
	n := &Notifier{conn: conn, br: bufio.NewReaderSize(conn, notifyReadBuffer), pend: prelude, tags: map[string]chan error{}, onStatus: onStatus}
	return n, notifyConn{Conn: conn, n: n}
}

// Set sends NOTIFY SET STATUS with the message events for mailboxes
// (MessageNew and MessageExpunge: every mailbox gets a STATUS response
// when a message arrives or goes, and one at once for the current state)
// and waits for the server's answer. With no mailbox selected, every
// change comes as STATUS.
func (n *Notifier) Set(ctx context.Context, mailboxes []string) error {
	if len(mailboxes) == 0 {
		return errors.New("NOTIFY SET: no mailbox")
	}
	var b strings.Builder
	b.WriteString("NOTIFY SET STATUS (mailboxes (")
	for i, m := range mailboxes {
		q, err := quoteMailbox(m)
		if err != nil {
			return fmt.Errorf("%w: %q", err, m)
		}
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(q)
	}
	b.WriteString(") " + NotifyEvents + ")")
	return n.command(ctx, b.String())
}

// None sends NOTIFY NONE: no more events.
func (n *Notifier) None(ctx context.Context) error { return n.command(ctx, "NOTIFY NONE") }

// command writes one line-command with a tag of its own and waits for
// its tagged answer.
func (n *Notifier) command(ctx context.Context, cmd string) error {
	n.mu.Lock()
	n.seq++
	tag := "N" + strconv.Itoa(n.seq) + "x" // never one of go-imap's tags (T1, T2, …)
	done := make(chan error, 1)
	n.tags[tag] = done
	n.mu.Unlock()
	if _, err := n.write([]byte(tag + " " + cmd + "\r\n")); err != nil {
		n.forget(tag)
		return fmt.Errorf("write %s: %w", firstWord(cmd), err)
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		n.forget(tag)
		return ctx.Err()
	}
}

func (n *Notifier) forget(tag string) {
	n.mu.Lock()
	delete(n.tags, tag)
	n.mu.Unlock()
}

func (n *Notifier) write(p []byte) (int, error) {
	n.wmu.Lock()
	defer n.wmu.Unlock()
	return n.conn.Write(p)
}

// read gives the client the server's responses, less the answers to
// this Notifier's commands. Literals pass through as they come, so a
// large message is not held twice.
func (n *Notifier) read(p []byte) (int, error) {
	for {
		switch {
		case len(n.pend) > 0:
			k := copy(p, n.pend)
			n.pend = n.pend[k:]
			return k, nil
		case n.literal > 0:
			k, err := n.br.Read(p[:min(int64(len(p)), n.literal)])
			n.literal -= int64(k)
			return k, err
		}
		seg, err := n.br.ReadBytes('\n')
		if err != nil {
			if len(seg) > 0 {
				n.pend = seg // the client sees what there was, then the error
				k := copy(p, n.pend)
				n.pend = n.pend[k:]
				return k, err
			}
			return 0, err
		}
		if n.inResp { // the rest of a response after a literal
			n.pend = seg
			n.literal, n.inResp = literalSize(seg)
			continue
		}
		if n.ours(seg) {
			continue
		}
		if isStatus(seg) {
			full, err := n.readRest(seg)
			if err != nil {
				return 0, err
			}
			if st, ok := parseStatus(full); ok && n.onStatus != nil {
				n.onStatus(st)
			}
			n.pend = full
			continue
		}
		n.pend = seg
		n.literal, n.inResp = literalSize(seg)
	}
}

// ours consumes a tagged answer to one of this Notifier's commands.
func (n *Notifier) ours(line []byte) bool {
	tag, rest, ok := bytes.Cut(line, []byte(" "))
	if !ok || len(tag) == 0 || tag[0] != 'N' {
		return false
	}
	n.mu.Lock()
	done, mine := n.tags[string(tag)]
	delete(n.tags, string(tag))
	n.mu.Unlock()
	if !mine {
		return false
	}
	typ, text, _ := bytes.Cut(bytes.TrimRight(rest, "\r\n"), []byte(" "))
	switch strings.ToUpper(string(typ)) {
	case "OK":
		done <- nil
	default:
		done <- &imap.Error{Type: imap.StatusResponseType(strings.ToUpper(string(typ))), Text: string(text)}
	}
	return true
}

// readRest reads the literals and continuation lines of the response
// that seg begins, which is small (a STATUS response).
func (n *Notifier) readRest(seg []byte) ([]byte, error) {
	full := seg
	for {
		size, more := literalSize(seg)
		if !more {
			return full, nil
		}
		if size > 64<<10 {
			return nil, fmt.Errorf("NOTIFY: STATUS response with a %d-byte literal", size)
		}
		lit := make([]byte, size)
		if _, err := ioReadFull(n.br, lit); err != nil {
			return nil, err
		}
		full = append(full, lit...)
		var err error
		if seg, err = n.br.ReadBytes('\n'); err != nil {
			return nil, err
		}
		full = append(full, seg...)
	}
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	got := 0
	for got < len(b) {
		k, err := r.Read(b[got:])
		got += k
		if err != nil {
			return got, err
		}
	}
	return got, nil
}

// literalSize reads the "{N}" or "{N+}" at the end of a line: a literal
// of N bytes follows, and after it the rest of the response.
func literalSize(line []byte) (int64, bool) {
	line = bytes.TrimRight(line, "\r\n")
	if len(line) < 3 || line[len(line)-1] != '}' {
		return 0, false
	}
	open := bytes.LastIndexByte(line, '{')
	if open < 0 {
		return 0, false
	}
	num := bytes.TrimSuffix(line[open+1:len(line)-1], []byte("+"))
	size, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil || size < 0 {
		return 0, false
	}
	return size, true
}

func isStatus(line []byte) bool {
	return len(line) > 9 && bytes.EqualFold(line[:9], []byte("* STATUS "))
}

// parseStatus reads "* STATUS <mailbox> (<item> <number> ...)". The
// mailbox is an atom, a quoted string or a literal.
func parseStatus(resp []byte) (MailboxStatus, bool) {
	s := strings.TrimRight(string(resp[9:]), "\r\n")
	var st MailboxStatus
	var rest string
	switch {
	case strings.HasPrefix(s, `"`):
		name, after, ok := unquote(s)
		if !ok {
			return st, false
		}
		st.Mailbox, rest = name, after
	case strings.HasPrefix(s, "{"):
		end := strings.Index(s, "}\r\n")
		if end < 0 {
			return st, false
		}
		size, err := strconv.Atoi(strings.TrimSuffix(s[1:end], "+"))
		if err != nil || end+3+size > len(s) {
			return st, false
		}
		st.Mailbox, rest = s[end+3:end+3+size], s[end+3+size:]
	default:
		name, after, ok := strings.Cut(s, " ")
		if !ok {
			return st, false
		}
		st.Mailbox, rest = name, " "+after
	}
	st.Mailbox = decodeMailbox(st.Mailbox)
	rest = strings.Trim(strings.TrimSpace(rest), "()")
	f := strings.Fields(rest)
	for i := 0; i+1 < len(f); i += 2 {
		v, err := strconv.ParseUint(f[i+1], 10, 32)
		if err != nil {
			continue // e.g. HIGHESTMODSEQ beyond 32 bits: not ours
		}
		switch strings.ToUpper(f[i]) {
		case "MESSAGES":
			st.Messages = uint32(v)
		case "UIDNEXT":
			st.UIDNext = uint32(v)
		case "UIDVALIDITY":
			st.UIDValidity = uint32(v)
		}
	}
	return st, true
}

// unquote reads a quoted string at the start of s and returns it and
// what follows.
func unquote(s string) (string, string, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", false
}

// quoteMailbox writes a plain ASCII mailbox name without "&" (so its
// modified UTF-7 form is itself) as an IMAP quoted string.
func quoteMailbox(name string) (string, error) {
	if strings.EqualFold(name, "INBOX") {
		return "INBOX", nil
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c >= 0x7f || c == '&' {
			return "", ErrNotifyName
		}
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`, nil
}

// decodeMailbox undoes quoteMailbox; names with other modified UTF-7
// sequences are returned as the server sent them.
func decodeMailbox(name string) string {
	if strings.EqualFold(name, "INBOX") {
		return "INBOX"
	}
	if strings.Contains(strings.ReplaceAll(name, "&-", ""), "&") || !utf8.ValidString(name) {
		return name // other modified UTF-7: never asked for
	}
	return strings.ReplaceAll(name, "&-", "&")
}

// SameMailbox reports whether a and b name one mailbox: INBOX in any
// case is INBOX (RFC 9051, section 5.1), other names are exact.
func SameMailbox(a, b string) bool {
	return a == b || strings.EqualFold(a, "INBOX") && strings.EqualFold(b, "INBOX")
}

// NotifyName reports whether Notify can name mailbox.
func NotifyName(mailbox string) bool {
	_, err := quoteMailbox(mailbox)
	return err == nil
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return w
}

// DialNotify is Dial for a client that can also send NOTIFY: the returned
// Notifier reports every untagged STATUS to onStatus (which must not
// block).
func DialNotify(ctx context.Context, cfg Config, handler *imapclient.UnilateralDataHandler, onStatus func(MailboxStatus)) (*imapclient.Client, *Notifier, error) {
	var n *Notifier
	c, err := dial(ctx, cfg, handler, func(conn net.Conn, prelude []byte) net.Conn {
		var wrapped net.Conn
		n, wrapped = newNotifier(conn, prelude, onStatus)
		return wrapped
	})
	if err != nil {
		return nil, nil, err
	}
	return c, n, nil
}
