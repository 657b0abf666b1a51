package mailtext

import (
	"strings"
	"unicode"
)

// distanceMaxRunes bounds what EditDistance compares of each text: the
// cost grows with the product of the lengths, and a reply that differs
// in its first 2,000 characters differs enough to say so.
const distanceMaxRunes = 2000

// EditDistance returns the normalised edit distance between two texts:
// the Levenshtein distance over their characters, with runs of white
// space collapsed to one space and the ends trimmed (so re-wrapping a
// paragraph is no edit), divided by the length of the longer one. 0
// means the same text, 1 nothing in common; two empty texts are 0. Each
// text is compared up to its first 2,000 characters.
func EditDistance(a, b string) float64 {
	ra, rb := distanceRunes(a), distanceRunes(b)
	if len(ra) < len(rb) {
		ra, rb = rb, ra
	}
	if len(ra) == 0 {
		return 0
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return float64(prev[len(rb)]) / float64(len(ra))
}

// distanceRunes is s with white space collapsed, as runes, cut at
// distanceMaxRunes.
func distanceRunes(s string) []rune {
	out := make([]rune, 0, min(len(s), distanceMaxRunes))
	space := false
	for _, r := range strings.TrimSpace(s) {
		if len(out) == distanceMaxRunes {
			break
		}
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && len(out) > 0 {
			out = append(out, ' ')
			if len(out) == distanceMaxRunes {
				break
			}
		}
		space = false
		out = append(out, r)
	}
	return out
}
