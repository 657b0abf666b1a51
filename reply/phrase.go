package reply

import (
	"strings"
)

// phraseKind says which list a phrase comes from.
type phraseKind uint16

const (
	kYesNo phraseKind = 1 << iota
	kThanks
	kDay
	kSchedule
	kUpdate
	kProblem
	kNoReply
	kAttach
	kDemand
	kDocument
	kSend
)

// phrase is one entry of a pack's index: the words after the first, and
// where it comes from.
type phrase struct {
	text string
	rest []string
	kind phraseKind
}

// maxHits is how many places of documents and of verbs of sending
// scanPhrases records.
const maxHits = 8

// hits are what scanPhrases found.
type hits struct {
	kinds  phraseKind
	demand string // the first demand phrase
	// Byte offsets in the text of the first document words and verbs of
	// sending.
	docs, sends   [maxHits]int32
	nDocs, nSends int
}

// scanPhrases finds the phrases of p's lists in lo (lower case) in one
// pass over its words.
func (p *pack) scanPhrases(lo string) (h hits) {
	spans := make([][2]int32, 0, 512) // word boundaries; on the stack for most texts
	start := -1
	for i, r := range lo {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			spans = append(spans, [2]int32{int32(start), int32(i)})
			start = -1
		}
	}
	if start >= 0 {
		spans = append(spans, [2]int32{int32(start), int32(len(lo))})
	}
	for i, sp := range spans {
		for _, ph := range p.index[lo[sp[0]:sp[1]]] {
			if i+len(ph.rest) >= len(spans) || !restMatches(lo, spans[i+1:], ph.rest) {
				continue
			}
			h.kinds |= ph.kind
			switch {
			case ph.kind == kDemand && h.demand == "":
				h.demand = ph.text
			case ph.kind == kDocument && h.nDocs < maxHits:
				h.docs[h.nDocs] = sp[0]
				h.nDocs++
			case ph.kind == kSend && h.nSends < maxHits:
				h.sends[h.nSends] = sp[0]
				h.nSends++
			}
		}
	}
	return h
}

func restMatches(lo string, spans [][2]int32, rest []string) bool {
	for j, w := range rest {
		if lo[spans[j][0]:spans[j][1]] != w {
			return false
		}
	}
	return true
}

// hasPhrase reports whether lo contains p as whole words.
func hasPhrase(lo, p string) bool {
	for off := 0; ; {
		i := strings.Index(lo[off:], p)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(p)
		if (i == 0 || !isLetter(lo[i-1])) && (end == len(lo) || !isLetter(lo[end])) {
			return true
		}
		off = i + 1
	}
}

func hasAnyPhrase(lo string, ps []string) bool {
	for _, p := range ps {
		if hasPhrase(lo, p) {
			return true
		}
	}
	return false
}
