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

// scanPhrases finds the phrases of p's lists in lo (lower case) in one
// pass over its words and returns the kinds found, and the first demand
// phrase.
func (p *pack) scanPhrases(lo string) (kinds phraseKind, demand string) {
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
			kinds |= ph.kind
			if ph.kind == kDemand && demand == "" {
				demand = ph.text
			}
		}
	}
	return kinds, demand
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
