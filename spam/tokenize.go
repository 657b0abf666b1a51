package spam

import (
	"bytes"
	"sync"
	"unicode"
	"unicode/utf8"
)

// tokenizerVersion changes whenever the features a message yields change;
// a model file records it, and Load refuses a model made by another one.
const tokenizerVersion = 4

const (
	maxBodyTokens   = 1000 // body words looked at per message (cross-validated: more did not help)
	maxHeaderValue  = 300  // bytes of one header value that are tokenized
	maxTokenLen     = 40   // longer words are cut to this many bytes
	minTokenLen     = 2
	maxFeatures     = 12000 // features kept per message
	maxURLsFeatured = 40
)

// feature is one distinct feature of a message: its hash and, for
// explaining a verdict, where its name is in the featurizer's arena or,
// for a word pair, which two word features it joins.
type feature struct {
	h          uint64
	start, end int32 // the name, or for a word its token, in the arena
	// a and b are a pair's words (indices in feats). For other features
	// a is negative: -1 when the name is arena[start:end], -1-n for a word
	// whose n-byte prefix is stored once for all the words of its field,
	// at arena[b:].
	a, b int32
}

// featurizer turns a parsed message into a set of hashed features. It is
// reused through a pool; nothing in it is shared between goroutines.
type featurizer struct {
	feats []feature
	arena []byte // feature names, back to back
	set   hashSet
	word  []byte // the word being built
	// previous word of the current field, for word pairs; -1 for none
	prevH    uint64
	prevIdx  int32
	scratch  []byte
	prefix   []byte
	slotBuf  []uint32
	sig      int // index in feats where the signals start
	body     int // index in feats where the body features start
	sigs     []string
	hops     []hop
	hopText  []byte // unfolded and lower-cased Received text of the hops parsed
	nameBuf  []byte // the From display name's words
	names    []byte // the names of a Result's reasons and signals, back to back
	nameEnds []int
	env      Context // where the message was received; set before extract
	auth     Auth    // the message's sender authentication, set by extract
}

// vector is a message's features as table slots: the head features
// (header, structure, subject, URLs) first, then from index sig on the
// signals, then from index body on the body text's words and pairs.
type vector struct {
	slots []uint32
	sig   int
	body  int
}

// vector returns the table slots of the features, in feature order. The
// slots are valid until the featurizer is reused.
func (f *featurizer) vector(bits uint8) vector {
	f.slotBuf = f.slotBuf[:0]
	for _, ft := range f.feats {
		f.slotBuf = append(f.slotBuf, slot(ft.h, bits))
	}
	body := min(f.body, len(f.slotBuf))
	return vector{slots: f.slotBuf, sig: min(f.sig, body), body: body}
}

var featurizerPool = sync.Pool{New: func() any {
	return &featurizer{
		feats: make([]feature, 0, 2048),
		arena: make([]byte, 0, 32<<10),
		set:   newHashSet(4096),
		word:  make([]byte, 0, 64),
	}
}}

func getFeaturizer() *featurizer {
	f := featurizerPool.Get().(*featurizer)
	f.reset()
	return f
}

func putFeaturizer(f *featurizer) {
	if cap(f.arena) > 1<<20 || cap(f.feats) > 1<<15 {
		return // let an unusually big one go
	}
	featurizerPool.Put(f)
}

func (f *featurizer) reset() {
	f.feats = f.feats[:0]
	f.arena = f.arena[:0]
	f.set.clear()
	f.prevIdx = -1
	f.sig, f.body = 0, 0
	f.sigs = f.sigs[:0]
	f.env = Context{}
	f.auth = Auth{}
}

// name returns the readable name of feature i.
func (f *featurizer) name(i int) string {
	return string(f.appendName(nil, i))
}

// appendName appends the readable name of feature i to dst: its prefix
// and token, each run of bytes that are not UTF-8 as one '?' (as
// strings.ToValidUTF8 does), and for a word pair "b:free b:money" as
// "b:free money".
func (f *featurizer) appendName(dst []byte, i int) []byte {
	ft := f.feats[i]
	if ft.a < -1 { // a word: its field's prefix, then the token
		n := -1 - ft.a
		return appendValidUTF8(dst, f.arena[ft.b:ft.b+n], f.arena[ft.start:ft.end])
	}
	if ft.a >= 0 {
		dst = f.appendName(dst, int(ft.a))
		dst = append(dst, ' ')
		start := len(dst)
		dst = f.appendName(dst, int(ft.b))
		if j := bytes.IndexByte(dst[start:], ':'); j >= 0 {
			dst = append(dst[:start], dst[start+j+1:]...) // copy handles the overlap
		}
		return dst
	}
	return appendValidUTF8(dst, f.arena[ft.start:ft.end], nil)
}

// appendValidUTF8 appends b and then c to dst with each run of bytes that
// are not UTF-8 replaced by one '?', as strings.ToValidUTF8(b+c, "?")
// does.
func appendValidUTF8(dst, b, c []byte) []byte {
	if len(c) > 0 {
		if utf8.Valid(b) && utf8.Valid(c) {
			return append(append(dst, b...), c...)
		}
		b = append(append([]byte(nil), b...), c...) // rare: check them as one
	}
	invalid := false // the previous byte was of an invalid sequence
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			i++
			invalid = false
			dst = append(dst, c)
			continue
		}
		_, wid := utf8.DecodeRune(b[i:])
		if wid == 1 {
			i++
			if !invalid {
				invalid = true
				dst = append(dst, '?')
			}
			continue
		}
		invalid = false
		dst = append(dst, b[i:i+wid]...)
		i += wid
	}
	return dst
}

// FNV-1a, 64 bit.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// mix finalizes a hash (splitmix64), so that slots taken from any bits are
// uniform.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// add records the feature prefix+tok once per message and returns its
// index in feats (-1 when the message has too many features).
func (f *featurizer) add(prefix string, tok []byte) int32 {
	return f.addHashed(hashString(fnvOffset, prefix), prefix, -1, tok)
}

// addHashed is add with the prefix's hash computed by the caller. When
// pfx >= 0 the prefix is in the arena at pfx already (words stores it
// once for all the words of a field) and only tok is stored.
func (f *featurizer) addHashed(ph uint64, prefix string, pfx int32, tok []byte) int32 {
	h := mix(hashBytes(ph, tok))
	if len(f.feats) >= maxFeatures {
		idx, found := f.set.find(h)
		if !found {
			return -1
		}
		return idx
	}
	idx, found := f.set.findOrPut(h, int32(len(f.feats)))
	if !found {
		start := int32(len(f.arena))
		a, b := int32(-1), int32(0)
		if pfx >= 0 {
			a, b = -1-int32(len(prefix)), pfx
		} else {
			f.arena = append(f.arena, prefix...)
		}
		f.arena = append(f.arena, tok...)
		f.feats = append(f.feats, feature{h: h, start: start, end: int32(len(f.arena)), a: a, b: b})
	}
	return idx
}

func (f *featurizer) addString(prefix, tok string) {
	h := mix(hashString(hashString(fnvOffset, prefix), tok))
	if len(f.feats) >= maxFeatures {
		return
	}
	if _, found := f.set.findOrPut(h, int32(len(f.feats))); !found {
		start := int32(len(f.arena))
		f.arena = append(f.arena, prefix...)
		f.arena = append(f.arena, tok...)
		f.feats = append(f.feats, feature{h: h, start: start, end: int32(len(f.arena)), a: -1})
	}
}

// addPair records the pair of the previous word and word idx.
func (f *featurizer) addPair(idx int32) {
	if idx < 0 {
		f.prevIdx = -1
		return
	}
	h := f.feats[idx].h
	if f.prevIdx >= 0 && len(f.feats) < maxFeatures {
		ph := mix(f.prevH*31 ^ h ^ 0x9e3779b97f4a7c15)
		if _, found := f.set.findOrPut(ph, int32(len(f.feats))); !found {
			f.feats = append(f.feats, feature{h: ph, a: f.prevIdx, b: idx})
		}
	}
	f.prevH, f.prevIdx = h, idx
}

// byte classes for the word scanner
const (
	clSep   = 0
	clWord  = 1 // letters and digits
	clInner = 2 // kept inside a word, trimmed at its ends
	clHigh  = 3 // start of a multi-byte rune
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9':
			t[c] = clWord
		case c == '$' || c == '-' || c == '.' || c == '\'' || c == '_' || c == '@' || c == '%' || c == '!':
			t[c] = clInner
		case c >= 0x80:
			t[c] = clHigh
		}
	}
	return t
}()

// words splits text into case-folded words and adds each, with prefix, and
// (when pairs is true) each pair of neighbours. At most
// limit words are taken; it returns how many were.
func (f *featurizer) words(text string, prefix string, pairs bool, limit int) int {
	f.prevIdx = -1
	ph := hashString(fnvOffset, prefix)
	pfx := int32(len(f.arena)) // the prefix, stored once for the field's words
	f.arena = append(f.arena, prefix...)
	n := 0
	w := f.word[:0]
	flush := func() {
		tok := trimInner(w)
		w = w[:0]
		if len(tok) < minTokenLen {
			return
		}
		if len(tok) > maxTokenLen {
			tok = cutRunes(tok, maxTokenLen)
		}
		n++
		idx := f.addHashed(ph, prefix, pfx, tok)
		if pairs {
			f.addPair(idx)
		}
	}
	for i := 0; i < len(text) && n < limit; {
		c := text[i]
		switch byteClass[c] {
		case clWord: // a run of ASCII letters and digits, lower-cased at once
			j := i + 1
			for j < len(text) && byteClass[text[j]] == clWord {
				j++
			}
			w = appendLower(w, text[i:j])
			i = j
		case clInner:
			if len(w) > 0 {
				w = append(w, c)
			} else if c == '$' {
				w = append(w, c)
			}
			i++
		case clHigh:
			r, size := utf8.DecodeRuneInString(text[i:])
			i += size
			switch {
			case r == utf8.RuneError && size == 1:
				if len(w) > 0 {
					flush()
				}
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				w = utf8.AppendRune(w, unicode.ToLower(r))
			default:
				if len(w) > 0 {
					flush()
				}
			}
		default:
			if len(w) > 0 {
				flush()
			}
			i++
		}
	}
	if len(w) > 0 && n < limit {
		flush()
	}
	f.word = w[:0]
	f.prevIdx = -1
	return n
}

// appendLower appends ASCII letters and digits to w, letters lower-cased
// (setting bit 0x20 lower-cases a letter and leaves a digit as it is).
func appendLower(w []byte, s string) []byte {
	n := len(w)
	w = append(w, s...)
	for k := n; k < len(w); k++ {
		w[k] |= 0x20
	}
	return w
}

// trimInner drops the punctuation that may only stand inside a word from
// the word's ends (a leading '$' and a trailing '!' stay).
func trimInner(w []byte) []byte {
	for len(w) > 0 && byteClass[w[0]] == clInner && w[0] != '$' {
		w = w[1:]
	}
	for len(w) > 0 && byteClass[w[len(w)-1]] == clInner && w[len(w)-1] != '!' {
		w = w[:len(w)-1]
	}
	return w
}

// cutRunes cuts w to at most n bytes without splitting a rune.
func cutRunes(w []byte, n int) []byte {
	for n > 0 && n < len(w) && !utf8.RuneStart(w[n]) {
		n--
	}
	return w[:n]
}

// bucket returns a coarse logarithmic bucket of n, as a short string.
func bucket(n int) string {
	switch {
	case n <= 0:
		return "0"
	case n == 1:
		return "1"
	case n <= 3:
		return "2-3"
	case n <= 7:
		return "4-7"
	case n <= 15:
		return "8-15"
	case n <= 63:
		return "16-63"
	case n <= 255:
		return "64-255"
	case n <= 1023:
		return "256-1k"
	case n <= 8191:
		return "1k-8k"
	}
	return "8k+"
}

// shape maps letters to 'a'/'A' and digits to '9' and collapses runs, so
// that "000b11a65aad$8587c2b3" and "0012e4f0$8765ab12" look alike.
func shape(dst []byte, s string, max int) []byte {
	var last byte
	for i := 0; i < len(s) && len(dst) < max; i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z':
			c = 'a'
		case 'A' <= c && c <= 'Z':
			c = 'A'
		case '0' <= c && c <= '9':
			c = '9'
		case c >= 0x80:
			c = '~'
		}
		if c != last {
			dst = append(dst, c)
			last = c
		}
	}
	return dst
}
