package draft

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"mailassist/mailmsg"
	"mailassist/mailtext"
)

// Digest is the fingerprint of what the user sees and edits in a draft:
// its To and Cc addresses (lower case, in order of their sorting), its
// subject and its text, each with white space collapsed. A draft whose
// digest differs from the one mailassist filed was edited by the user.
// Re-wrapping, re-encoding (quoted-printable, base64) and added header
// fields are no edit; a client that re-saves a draft and changes the
// text counts as an edit, which errs on the side that leaves the draft
// alone.
func Digest(m *mailmsg.Message) string {
	h := sha256.New()
	for _, list := range [][]mailmsg.Address{m.To, m.Cc} {
		addrs := make([]string, 0, len(list))
		for _, a := range list {
			addrs = append(addrs, strings.ToLower(strings.TrimSpace(a.Addr)))
		}
		slices.Sort(addrs)
		h.Write([]byte(strings.Join(addrs, ",")))
		h.Write([]byte{0})
	}
	h.Write([]byte(collapse(m.Subject)))
	h.Write([]byte{0})
	h.Write([]byte(collapse(m.Text)))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// ReplyText is the text of a reply without its quote and signature, as
// mailtext.Split reads it: what a draft's fate is measured on, the same
// way for the draft filed and the message the user sent.
func ReplyText(m *mailmsg.Message) string {
	return mailtext.Split(m.Text).New
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
