package spam

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// The model file format, version 3:
//
//	"MASPAM" magic, uint16 little-endian format version (1)
//	a zlib stream (which checksums it) of:
//	  uvarint tokenizer version
//	  string family, byte table bits, float64 threshold
//	  string base version, uvarint learned, uint64 learn hash
//	  uvarint ham, uvarint spam, string training options
//	  uvarint n, then n uvarint deltas: the sorted fingerprints of the
//	    training messages (fingerprint.go)
//	  the family's payload:
//	    logistic: float32 bias, float32 step, uvarint n, then n entries of
//	      (uvarint slot delta, zigzag varint weight/step) for non-zero weights;
//	      then (version 3) byte 1 and n bytes: the online learner's state
//	      of each of those slots (g2Byte), or byte 0 when it has none
//	    bayes: uvarint ham messages, uvarint spam messages, float64 s, x,
//	      min_dev, uvarint n, then n entries of (uvarint slot delta,
//	      uvarint ham count, uvarint spam count)
//
// Strings are a uvarint length and the bytes; numbers little-endian. Slots
// ascend, so deltas are small. Logistic weights are quantized to 16 bits.
// Version 2 is read too (its models have no learner state).
const (
	magic         = "MASPAM"
	formatVersion = 3
)

// ErrFormat is returned by Load for data that is not a model this build
// can read.
var ErrFormat = errors.New("spam: bad model file")

// Save writes the model in the compact binary format.
func (m *Model) Save(w io.Writer) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var hdr [8]byte
	copy(hdr[:], magic)
	binary.LittleEndian.PutUint16(hdr[6:], formatVersion)
	if _, err := w.Write(hdr[:]); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	// Every save of an account's model (each feedback learnt, each
	// bootstrap) compresses its whole table: with zlib's fastest level
	// a save of the shipped model takes 58 ms where it took 571 ms with
	// its best, for 1.5 % more bytes (1,346,771 against 1,327,453;
	// BenchmarkSave).
	zw, _ := zlib.NewWriterLevel(w, zlib.BestSpeed)
	bw := bufio.NewWriter(zw)
	e := encoder{w: bw}
	e.uvarint(tokenizerVersion)
	e.string(string(m.family))
	e.byte(m.bits)
	e.float64(m.threshold)
	e.string(m.baseVer)
	e.uvarint(m.learned)
	e.uint64(m.learnHash)
	e.uvarint(uint64(m.info.Ham))
	e.uvarint(uint64(m.info.Spam))
	e.string(m.info.Options)
	e.uvarint(uint64(len(m.trainedOn)))
	last := uint32(0)
	for _, v := range m.trainedOn {
		e.uvarint(uint64(v - last))
		last = v
	}
	writePayload(bw, m)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	return e.err
}

// writePayload writes the family's tables; the base version is a hash of
// them.
func writePayload(w io.Writer, m *Model) {
	bw := bufio.NewWriter(w)
	e := encoder{w: bw}
	switch m.family {
	case Bayes:
		b := m.nb
		e.uvarint(uint64(b.nHam))
		e.uvarint(uint64(b.nSpam))
		e.float64(b.o.S)
		e.float64(b.o.X)
		e.float64(b.o.MinDev)
		n := 0
		for k := range b.ham {
			if b.ham[k] != 0 || b.spam[k] != 0 {
				n++
			}
		}
		e.uvarint(uint64(n))
		last := 0
		for k := range b.ham {
			if b.ham[k] != 0 || b.spam[k] != 0 {
				e.uvarint(uint64(k - last))
				e.uvarint(uint64(b.ham[k]))
				e.uvarint(uint64(b.spam[k]))
				last = k
			}
		}
	default:
		l := m.lr
		step := l.step()
		e.float32(l.bias)
		e.float32(step)
		n := 0
		for k := range l.size() {
			if quantize(l.weight(uint32(k)), step) != 0 {
				n++
			}
		}
		e.uvarint(uint64(n))
		last := 0
		for k := range l.size() {
			if q := quantize(l.weight(uint32(k)), step); q != 0 {
				e.uvarint(uint64(k - last))
				e.varint(int64(q))
				last = k
			}
		}
		if !l.hasState() {
			e.byte(0)
			break
		}
		e.byte(1)
		if l.g2 == nil && l.dg2 == nil && len(l.g2codes) == n {
			// As loaded, and not learnt since: the same slots have weights.
			for _, c := range l.g2codes {
				e.byte(c)
			}
			break
		}
		for k := range l.size() {
			if quantize(l.weight(uint32(k)), step) != 0 {
				e.byte(g2Byte(l.g2At(uint32(k))))
			}
		}
	}
	bw.Flush()
}

// step returns the quantization step: the largest |weight| over 32767.
func (l *logistic) step() float32 {
	var max float32
	for k := range l.size() {
		if w := l.weight(uint32(k)); w > max {
			max = w
		} else if -w > max {
			max = -w
		}
	}
	if max == 0 {
		return 1
	}
	return max / 32767
}

func quantize(w, step float32) int32 {
	return int32(math.Round(float64(w / step)))
}

// g2Byte quantizes a learner-state sum to a byte: 0 for none, else
// eight steps per power of two from 2^-15.875 to 2^15.875.
func g2Byte(g float32) byte {
	if !(g > 0) {
		return 0
	}
	q := math.Round(8*math.Log2(float64(g))) + 128
	return byte(min(max(q, 1), 255))
}

func g2Value(b byte) float32 {
	if b == 0 {
		return 0
	}
	return float32(math.Exp2((float64(b) - 128) / 8))
}

// roundTrip quantizes the weights (and the learner state) in place, so a
// trained model scores and learns as it will after Save and Load.
func (l *logistic) roundTrip() {
	step := l.step()
	l.qstep = step
	for k, w := range l.weights() {
		l.w[k] = float32(quantize(w, step)) * step
		if l.g2 != nil {
			g := float32(0)
			if l.w[k] != 0 {
				g = g2Value(g2Byte(l.g2[k]))
			}
			l.g2[k] = g
		}
	}
}

// compact makes a model trained in bulk, and quantized since
// (roundTrip), hold its weights and learner state as a loaded model
// holds them — the 16-bit integers and a byte per non-zero weight, 4 MB
// at 21 bits instead of 16 — with the same scores and the same Save.
func (l *logistic) compact() {
	if l.w == nil {
		return
	}
	q := make([]int16, len(l.w))
	var codes []byte // nil: no state
	if l.g2 != nil {
		codes = []byte{}
	}
	for k, w := range l.w {
		q[k] = int16(quantize(w, l.qstep))
		if q[k] != 0 && l.g2 != nil {
			codes = append(codes, g2Byte(l.g2[k]))
		}
	}
	l.q, l.w, l.g2, l.g2codes, l.slotCodes, l.dw, l.dg2 = q, nil, nil, codes, &slotCodes{}, nil, nil
}

// Load reads a model written by Save.
func Load(r io.Reader) (*Model, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrFormat, err)
	}
	if string(hdr[:6]) != magic {
		return nil, fmt.Errorf("%w: not a model file", ErrFormat)
	}
	version := binary.LittleEndian.Uint16(hdr[6:])
	if version != formatVersion && version != 2 {
		return nil, fmt.Errorf("%w: format version %d, this build reads 2 and %d", ErrFormat, version, formatVersion)
	}
	zr, err := zlib.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	// Read it all first so that the zlib checksum is verified.
	body, err := io.ReadAll(io.LimitReader(zr, 1<<30))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	d := decoder{r: bytes.NewReader(body)}
	if tv := d.uvarint(); d.err == nil && tv != tokenizerVersion {
		return nil, fmt.Errorf("%w: made with tokenizer version %d, this build has %d", ErrFormat, tv, tokenizerVersion)
	}
	m := &Model{}
	m.family = Family(d.string())
	m.bits = d.byte()
	m.threshold = d.float64()
	m.baseVer = d.string()
	m.learned = d.uvarint()
	m.learnHash = d.uint64()
	m.info.Family = m.family
	m.info.Ham = int(d.uvarint())
	m.info.Spam = int(d.uvarint())
	m.info.Options = d.string()
	if n := d.uvarint(); n > maxFingerprints || n > uint64(d.r.Len()) {
		d.fail(errors.New("too many fingerprints"))
	} else {
		m.trainedOn = make([]uint32, n)
		last := uint64(0)
		for i := range m.trainedOn {
			last += d.uvarint()
			m.trainedOn[i] = uint32(last)
		}
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, d.err)
	}
	if m.bits < 16 || m.bits > 26 {
		return nil, fmt.Errorf("%w: table bits %d", ErrFormat, m.bits)
	}
	if !(m.threshold > 0 && m.threshold < 1) {
		return nil, fmt.Errorf("%w: threshold %v", ErrFormat, m.threshold)
	}
	switch m.family {
	case Logistic:
		err = readLogistic(&d, m, version)
	case Bayes:
		err = readBayes(&d, m)
	default:
		err = fmt.Errorf("%w: unknown family %q", ErrFormat, m.family)
	}
	if err != nil {
		return nil, err
	}
	m.version = m.baseVer
	if m.learned > 0 {
		m.version = fmt.Sprintf("%s+%d.%08x", m.baseVer, m.learned, uint32(m.learnHash))
	}
	return m, nil
}

func readLogistic(d *decoder, m *Model, version uint16) error {
	l := &logistic{q: make([]int16, 1<<m.bits), slotCodes: &slotCodes{}}
	l.bias = d.float32()
	step := d.float32()
	l.qstep = step
	n := d.uvarint()
	k := uint64(0)
	slots := 0 // with a weight: each has a learner-state byte
	for i := uint64(0); i < n && d.err == nil; i++ {
		k += d.uvarint()
		q := d.varint()
		if k >= uint64(len(l.q)) || q < -32768 || q > 32767 {
			return fmt.Errorf("%w: weight %d out of range", ErrFormat, i)
		}
		l.q[k] = int16(q)
		slots++
	}
	if version >= 3 && d.err == nil && d.byte() == 1 {
		l.g2codes = make([]byte, slots)
		for i := range slots {
			l.g2codes[i] = d.byte()
		}
	}
	if d.err != nil {
		return fmt.Errorf("%w: %v", ErrFormat, d.err)
	}
	m.lr = l
	return nil
}

func readBayes(d *decoder, m *Model) error {
	b := newBayes(m.bits, BayesOptions{})
	b.nHam = uint32(d.uvarint())
	b.nSpam = uint32(d.uvarint())
	b.o.S, b.o.X, b.o.MinDev = d.float64(), d.float64(), d.float64()
	n := d.uvarint()
	k := uint64(0)
	for i := uint64(0); i < n && d.err == nil; i++ {
		k += d.uvarint()
		if k >= uint64(len(b.ham)) {
			return fmt.Errorf("%w: count %d out of range", ErrFormat, i)
		}
		b.ham[k] = uint32(d.uvarint())
		b.spam[k] = uint32(d.uvarint())
	}
	if d.err != nil {
		return fmt.Errorf("%w: %v", ErrFormat, d.err)
	}
	m.nb = b
	return nil
}

type encoder struct {
	w   *bufio.Writer
	buf [binary.MaxVarintLen64]byte
	err error
}

func (e *encoder) write(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}
func (e *encoder) byte(b byte)       { e.write([]byte{b}) }
func (e *encoder) uvarint(v uint64)  { e.write(binary.AppendUvarint(e.buf[:0], v)) }
func (e *encoder) varint(v int64)    { e.write(binary.AppendVarint(e.buf[:0], v)) }
func (e *encoder) uint64(v uint64)   { e.write(binary.LittleEndian.AppendUint64(e.buf[:0], v)) }
func (e *encoder) float64(v float64) { e.uint64(math.Float64bits(v)) }
func (e *encoder) float32(v float32) {
	e.write(binary.LittleEndian.AppendUint32(e.buf[:0], math.Float32bits(v)))
}
func (e *encoder) string(s string) { e.uvarint(uint64(len(s))); e.write([]byte(s)) }

type decoder struct {
	r   *bytes.Reader
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) byte() byte {
	b, err := d.r.ReadByte()
	d.fail(err)
	return b
}

func (d *decoder) uvarint() uint64 {
	v, err := binary.ReadUvarint(d.r)
	d.fail(err)
	return v
}

func (d *decoder) varint() int64 {
	v, err := binary.ReadVarint(d.r)
	d.fail(err)
	return v
}

func (d *decoder) uint64() uint64 {
	var b [8]byte
	_, err := io.ReadFull(d.r, b[:])
	d.fail(err)
	return binary.LittleEndian.Uint64(b[:])
}

func (d *decoder) float64() float64 { return math.Float64frombits(d.uint64()) }

func (d *decoder) float32() float32 {
	var b [4]byte
	_, err := io.ReadFull(d.r, b[:])
	d.fail(err)
	return math.Float32frombits(binary.LittleEndian.Uint32(b[:]))
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > 1<<16 || n > uint64(d.r.Len()) {
		d.fail(errors.New("string too long"))
		return ""
	}
	b := make([]byte, n)
	_, err := io.ReadFull(d.r, b)
	d.fail(err)
	return string(b)
}
