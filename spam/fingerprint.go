package spam

import "sort"

// The model records a fingerprint of every message it was trained on (a
// 32-bit hash of its bytes, line ends ignored), so that an evaluation can
// tell when it is being run on the model's own training messages: a model
// scores those far better than mail it has not seen, and such figures say
// nothing of how it will do.

// maxFingerprints bounds the fingerprints a model keeps (4 bytes each).
const maxFingerprints = 200_000

// fingerprint returns the training fingerprint of a raw message.
func fingerprint(raw []byte) uint32 {
	h := uint64(fnvOffset)
	for _, c := range raw {
		if c == '\r' {
			continue
		}
		h ^= uint64(c)
		h *= fnvPrime
	}
	return uint32(mix(h))
}

// fingerprints returns the sorted, distinct fingerprints of the examples.
func fingerprints(examples []Example) []uint32 {
	fp := make([]uint32, 0, len(examples))
	for _, ex := range examples {
		fp = append(fp, fingerprint(ex.Raw))
	}
	return sortUnique(fp)
}

func sortUnique(fp []uint32) []uint32 {
	sort.Slice(fp, func(i, j int) bool { return fp[i] < fp[j] })
	out := fp[:0]
	for i, v := range fp {
		if i == 0 || v != fp[i-1] {
			out = append(out, v)
		}
	}
	if len(out) > maxFingerprints {
		out = out[:maxFingerprints]
	}
	return out
}

// addFingerprint records one more training message; m.mu must be held
// for writing.
func (m *Model) addFingerprint(raw []byte) {
	if len(m.trainedOn) >= maxFingerprints {
		return
	}
	v := fingerprint(raw)
	i := sort.Search(len(m.trainedOn), func(i int) bool { return m.trainedOn[i] >= v })
	if i < len(m.trainedOn) && m.trainedOn[i] == v {
		return
	}
	m.trainedOn = append(m.trainedOn, 0)
	copy(m.trainedOn[i+1:], m.trainedOn[i:])
	m.trainedOn[i] = v
}

// TrainedOn reports whether raw is (by its fingerprint) one of the
// messages the model was trained on or learned from.
func (m *Model) TrainedOn(raw []byte) bool {
	v := fingerprint(raw)
	m.mu.RLock()
	defer m.mu.RUnlock()
	i := sort.Search(len(m.trainedOn), func(i int) bool { return m.trainedOn[i] >= v })
	return i < len(m.trainedOn) && m.trainedOn[i] == v
}

// Fingerprints returns how many training messages the model has a
// fingerprint of.
func (m *Model) Fingerprints() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.trainedOn)
}
