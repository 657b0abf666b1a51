package spam

// An account's model read back from the store is, most often, the
// shipped model with the slots its user's feedback moved: learning
// leaves the other slots, and the quantization step with them, as they
// were. Rebase then holds it as those slots over the shipped model's
// weights, which all accounts share, instead of 4 MB of integers of its
// own.

// maxRebasedShare bounds the slots that may differ from the base, as a
// share of all: a slot learnt costs about 40 bytes in the overlay (5.0 MB
// for 125,275 slots, BenchmarkAccountModel), a slot as read 2, so from
// about a twentieth of the slots on the overlay costs more than the
// integers; a thirty-second keeps it well below.
const maxRebasedShare = 32

// Rebase makes m hold only where it differs from base, when both are
// logistic models as read with the same quantization step (m was learnt
// online from base, and saved and read back): the same scores, the
// same Save. It reports whether it did; otherwise m is unchanged. m must
// not be in use yet.
func (m *Model) Rebase(base *Model) bool {
	if m.lr == nil || base.lr == nil || m.bits != base.bits {
		return false
	}
	base.mu.RLock()
	defer base.mu.RUnlock()
	return m.lr.rebaseOn(base.lr)
}

func (l *logistic) rebaseOn(base *logistic) bool {
	if l.w != nil || base.w != nil || l.dw != nil || base.dw != nil ||
		l.qstep != base.qstep || len(l.q) != len(base.q) ||
		(l.g2codes == nil) != (base.g2codes == nil) {
		return false
	}
	var mine, theirs []byte
	if l.g2codes != nil {
		mine = codesBySlot(l.q, l.g2codes)
		theirs = base.slotCodes.of(base.q, base.g2codes)
	}
	dw, dg2 := map[uint32]float32{}, map[uint32]float32{}
	for k, q := range l.q {
		if q == base.q[k] && (mine == nil || mine[k] == theirs[k]) {
			continue
		}
		if len(dw) >= len(l.q)/maxRebasedShare {
			return false
		}
		dw[uint32(k)] = float32(q) * l.qstep
		if mine != nil {
			dg2[uint32(k)] = g2Value(mine[k])
		}
	}
	if len(dw) == 0 {
		dw = nil // the base's weights: classified as read
	}
	if len(dg2) == 0 {
		dg2 = nil // no state of its own, or the base's
	}
	l.q, l.g2codes, l.slotCodes, l.dw, l.dg2 = base.q, base.g2codes, base.slotCodes, dw, dg2
	return true
}
