package habits

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The encoding: "MAHP", a format version, the number of features, then
// fixed-size little-endian records, each table preceded by its length.
const (
	magic         = "MAHP"
	formatVersion = 1
)

// ErrFormat is returned for bytes that are no profile of this version.
var ErrFormat = errors.New("habits: not a profile in this format")

// Marshal encodes p.
func (p *Profile) Marshal() []byte {
	n := len(magic) + 64 + 16*NumFeatures + 8*histBins +
		statSize*(len(p.senders.recs)+len(p.domains.recs)+len(p.lists.recs)+len(p.threads.recs)) +
		pendingSize*len(p.pending) + 8*(len(p.sentIDs.recs)+len(p.replied.recs)) + 12*len(p.replies) + 4*len(p.seen) + 40
	b := make([]byte, 0, n)
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint16(b, formatVersion)
	b = binary.LittleEndian.AppendUint16(b, NumFeatures)
	for _, v := range []uint32{p.clock, p.Totals.Received, p.Totals.Answered, p.Totals.Unanswered, p.Totals.Sent,
		p.Model.N, p.Model.Answered, uint32(p.seenPos)} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	for i := range NumFeatures {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.Model.W[i]))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.Model.G2[i]))
	}
	for _, h := range p.Model.Hist {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(h[0]))
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(h[1]))
	}
	for _, t := range []*table{&p.senders, &p.domains, &p.lists, &p.threads} {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(t.recs)))
		for i := range t.recs {
			b = appendStat(b, &t.recs[i])
		}
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(p.pending)))
	for i := range p.pending {
		b = appendPending(b, &p.pending[i])
	}
	for _, s := range []*idSet{&p.sentIDs, &p.replied} {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s.recs)))
		for _, r := range s.recs {
			b = binary.LittleEndian.AppendUint32(b, r.ID)
			b = binary.LittleEndian.AppendUint32(b, r.At)
		}
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(p.replies)))
	for _, r := range p.replies {
		b = binary.LittleEndian.AppendUint32(b, r.Subject)
		b = binary.LittleEndian.AppendUint32(b, r.Rcpt)
		b = binary.LittleEndian.AppendUint32(b, r.At)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(p.seen)))
	for _, id := range p.seen {
		b = binary.LittleEndian.AppendUint32(b, id)
	}
	return b
}

const statSize = 8 + 2*4 + 4 + 4*3

func appendStat(b []byte, s *Stat) []byte {
	b = binary.LittleEndian.AppendUint64(b, s.Key)
	for _, v := range []uint16{s.Received, s.Answered, s.Ignored, s.Wrote} {
		b = binary.LittleEndian.AppendUint16(b, v)
	}
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(s.DelayHours))
	for _, v := range []uint32{s.LastAnswer, s.LastWrote, s.LastSeen} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

const pendingSize = 8*6 + 4*4 + 2*NumFeatures

func appendPending(b []byte, pe *pending) []byte {
	for _, v := range []uint64{pe.Key, pe.Sender, pe.Domain, pe.List, pe.Thread, pe.Subject} {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	for _, v := range []uint32{pe.Ref, pe.At, pe.Deadline, math.Float32bits(pe.Score)} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	for _, q := range pe.X {
		b = binary.LittleEndian.AppendUint16(b, uint16(q))
	}
	return b
}

// reader reads fixed-size fields and remembers the first shortfall.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) take(n int) []byte {
	if r.bad || len(r.b) < n {
		r.bad = true
		return make([]byte, n)
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u16() uint16 { return binary.LittleEndian.Uint16(r.take(2)) }
func (r *reader) u32() uint32 { return binary.LittleEndian.Uint32(r.take(4)) }
func (r *reader) u64() uint64 { return binary.LittleEndian.Uint64(r.take(8)) }
func (r *reader) f32() float32 {
	return math.Float32frombits(r.u32())
}

// count reads a table length and checks it against the bound and the
// bytes left.
func (r *reader) count(max, size int) int {
	n := int(r.u32())
	if n > max || n*size > len(r.b) {
		r.bad = true
		return 0
	}
	return n
}

// Unmarshal decodes a profile Marshal encoded. Bytes of another format
// version (or another set of features) are ErrFormat.
func Unmarshal(b []byte) (*Profile, error) {
	r := &reader{b: b}
	if string(r.take(len(magic))) != magic {
		return nil, ErrFormat
	}
	if v, nf := r.u16(), r.u16(); v != formatVersion || nf != NumFeatures {
		return nil, fmt.Errorf("%w (version %d with %d features)", ErrFormat, v, nf)
	}
	p := New()
	var seenPos uint32
	for _, v := range []*uint32{&p.clock, &p.Totals.Received, &p.Totals.Answered, &p.Totals.Unanswered, &p.Totals.Sent,
		&p.Model.N, &p.Model.Answered, &seenPos} {
		*v = r.u32()
	}
	for i := range NumFeatures {
		p.Model.W[i] = math.Float64frombits(r.u64())
		p.Model.G2[i] = math.Float64frombits(r.u64())
	}
	for i := range p.Model.Hist {
		p.Model.Hist[i][0], p.Model.Hist[i][1] = r.f32(), r.f32()
	}
	for _, t := range []*table{&p.senders, &p.domains, &p.lists, &p.threads} {
		t.recs = make([]Stat, r.count(t.max, statSize))
		for i := range t.recs {
			s := &t.recs[i]
			s.Key = r.u64()
			s.Received, s.Answered, s.Ignored, s.Wrote = r.u16(), r.u16(), r.u16(), r.u16()
			s.DelayHours = r.f32()
			s.LastAnswer, s.LastWrote, s.LastSeen = r.u32(), r.u32(), r.u32()
		}
	}
	p.pending = make([]pending, r.count(MaxPending, pendingSize))
	for i := range p.pending {
		pe := &p.pending[i]
		pe.Key, pe.Sender, pe.Domain, pe.List, pe.Thread, pe.Subject = r.u64(), r.u64(), r.u64(), r.u64(), r.u64(), r.u64()
		pe.Ref, pe.At, pe.Deadline, pe.Score = r.u32(), r.u32(), r.u32(), r.f32()
		for j := range pe.X {
			pe.X[j] = int16(r.u16())
		}
	}
	for _, s := range []*idSet{&p.sentIDs, &p.replied} {
		s.recs = make([]idTime, r.count(s.max, 8))
		for i := range s.recs {
			s.recs[i] = idTime{r.u32(), r.u32()}
		}
	}
	p.replies = make([]replyTo, r.count(maxRecent, 12))
	for i := range p.replies {
		p.replies[i] = replyTo{r.u32(), r.u32(), r.u32()}
	}
	p.seen = make([]uint32, r.count(MaxSeen, 4))
	for i := range p.seen {
		p.seen[i] = r.u32()
	}
	if r.bad || len(r.b) != 0 || int(seenPos) > len(p.seen) || !p.sorted() {
		return nil, fmt.Errorf("%w: truncated or corrupt", ErrFormat)
	}
	p.seenPos = int(seenPos) % max(len(p.seen), 1)
	return p, nil
}

// sorted reports whether the tables the lookups search are in order.
func (p *Profile) sorted() bool {
	for _, t := range []*table{&p.senders, &p.domains, &p.lists, &p.threads} {
		for i := 1; i < len(t.recs); i++ {
			if t.recs[i-1].Key >= t.recs[i].Key {
				return false
			}
		}
	}
	for _, s := range []*idSet{&p.sentIDs, &p.replied} {
		for i := 1; i < len(s.recs); i++ {
			if s.recs[i-1].ID >= s.recs[i].ID {
				return false
			}
		}
	}
	return true
}
