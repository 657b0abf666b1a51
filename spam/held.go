package spam

// overlaySlotBytes is what one slot learnt online costs in a model's
// overlays (its weight in dw and its learner state in dg2), measured with
// BenchmarkAccountModel; a slot as read costs 2 bytes and one code.
const overlaySlotBytes = 40

// heldBytes estimates the memory m holds of its own, beyond what it
// shares with base (nil: all of it): the tables, integers and codes it
// does not share, and its overlays.
func (m *Model) heldBytes(base *Model) int64 {
	if base == m {
		return 0
	}
	// What base shares (its integers, codes and codes by slot never
	// change once read), taken under its lock, then m's own under m's.
	var q []int16
	var g2codes []byte
	var codes *slotCodes
	if base != nil {
		base.mu.RLock()
		if base.lr != nil {
			q, g2codes, codes = base.lr.q, base.lr.g2codes, base.lr.slotCodes
		}
		base.mu.RUnlock()
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	var n int64
	if l := m.lr; l != nil {
		n += 4*int64(len(l.w)) + 4*int64(len(l.g2)) + overlaySlotBytes*int64(len(l.dw))
		if !sameArray(l.q, q) {
			n += 2 * int64(len(l.q))
		}
		if !sameArray(l.g2codes, g2codes) {
			n += int64(len(l.g2codes))
		}
		if l.slotCodes != nil && l.slotCodes != codes {
			n += l.slotCodes.size.Load() // its codes by slot, once made
		}
	}
	if m.nb != nil {
		n += 4 * int64(len(m.nb.ham)+len(m.nb.spam))
	}
	return n
}

// sameArray reports whether a and b are the same memory.
func sameArray[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
