package spam

import "unsafe"

// hashSet maps 64-bit hashes to feature indices with open addressing. It
// is cleared in constant time by bumping a generation number.
type hashSet struct {
	slots []setSlot
	gen   uint32
	n     int
}

// setSlot keeps key, value and generation together: one cache line read
// per probe.
type setSlot struct {
	key uint64
	val int32
	gen uint32
}

func newHashSet(size int) hashSet {
	return hashSet{slots: make([]setSlot, size), gen: 1}
}

func (s *hashSet) clear() {
	s.gen++
	s.n = 0
	if s.gen == 0 { // wrapped: old stamps could match again
		clear(s.slots)
		s.gen = 1
	}
}

// find returns the value stored for h.
func (s *hashSet) find(h uint64) (int32, bool) {
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		e := &s.slots[i]
		if e.gen != s.gen {
			return 0, false
		}
		if e.key == h {
			return e.val, true
		}
	}
}

// findOrPut returns the value stored for h, or stores v for it and
// returns v and false, in one probe sequence.
func (s *hashSet) findOrPut(h uint64, v int32) (int32, bool) {
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		e := &s.slots[i]
		if e.gen != s.gen {
			*e = setSlot{key: h, val: v, gen: s.gen}
			s.n++
			return v, false
		}
		if e.key == h {
			return e.val, true
		}
	}
}

// put stores v for h, which must not be in the set.
func (s *hashSet) put(h uint64, v int32) {
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	i := h & mask
	for s.slots[i].gen == s.gen {
		i = (i + 1) & mask
	}
	s.slots[i] = setSlot{key: h, val: v, gen: s.gen}
	s.n++
}

func (s *hashSet) grow() {
	old := *s
	*s = newHashSet(2 * len(old.slots))
	for _, e := range old.slots {
		if e.gen == old.gen {
			s.put(e.key, e.val)
		}
	}
}

// unsafeString views b as a string without copying; b must not change while
// the string is in use.
func unsafeString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
