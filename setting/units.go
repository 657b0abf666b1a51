// Package setting holds the value types and checks that config sections
// share: durations and byte sizes as the config file writes them, and the
// problem list that sections report to with a field path.
package setting

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

const day = 24 * time.Hour

// Duration is a time.Duration written as "90s", "15m", "720h" or "7d".
// Negative durations are refused.
type Duration time.Duration

// ByteSize is a size written as 1048576, "512KiB", "10MiB", "10GiB" or "10GB".
// KB, MB, GB and TB are powers of 1000; KiB, MiB, GiB and TiB of 1024.
type ByteSize int64

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d the way it is written in the config: "720h", "1h30m",
// "90s", "1.5s"; zero is "0s". Whole days are written in hours.
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// MarshalYAML writes d as a string that UnmarshalYAML reads back.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads a Go duration ("90s", "15m", "720h", "1h30m") or a
// number of days ("7d", "1.5d"). Negative durations are an error. Errors
// are *yaml.TypeError, so that the decoder goes on and reports the rest
// of the file too.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return NodeError(n, errDurationSyntax.Error())
	}
	v, err := parseDuration(n.Value)
	if err != nil {
		return NodeError(n, err.Error())
	}
	*d = v
	return nil
}

var errDurationSyntax = errors.New("want a duration such as 90s, 15m, 720h or 7d")

// ParseDuration parses a duration as the config file writes it: a Go
// duration ("90s", "15m", "720h") or a number of days ("7d", "1.5d").
func ParseDuration(s string) (Duration, error) { return parseDuration(s) }

// parseDuration parses the text of a Duration.
func parseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		f, err := strconv.ParseFloat(days, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("invalid duration %q: %w", s, errDurationSyntax)
		}
		if f < 0 {
			return 0, fmt.Errorf("duration %q is negative", s)
		}
		if f*float64(day) >= math.MaxInt64 {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		return Duration(f * float64(day)), nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: %w", s, errDurationSyntax)
	}
	if v < 0 {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	return Duration(v), nil
}

// Byte size units.
const (
	KiB ByteSize = 1 << (10 * (iota + 1))
	MiB
	GiB
	TiB
)

var byteUnits = map[string]ByteSize{
	"": 1, "B": 1,
	"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
	"KiB": KiB, "MiB": MiB, "GiB": GiB, "TiB": TiB,
}

var byteSizeRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?) ?([KMGT]i?B|B)?$`)

// Int64 returns b as a number of bytes.
func (b ByteSize) Int64() int64 { return int64(b) }

// String writes b in the largest binary unit that divides it exactly:
// "10GiB", "256KiB", "1000B".
func (b ByteSize) String() string {
	for _, u := range []struct {
		size ByteSize
		name string
	}{{TiB, "TiB"}, {GiB, "GiB"}, {MiB, "MiB"}, {KiB, "KiB"}} {
		if b != 0 && b%u.size == 0 {
			return strconv.FormatInt(int64(b/u.size), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}

// MarshalYAML writes b as a string that UnmarshalYAML reads back.
func (b ByteSize) MarshalYAML() (any, error) { return b.String(), nil }

// UnmarshalYAML reads a number of bytes (1048576) or a number with a unit:
// B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of
// 1024), as in "512KiB", "10GiB" or "1.5GB". Errors are *yaml.TypeError.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return NodeError(n, "want a size such as 512KiB, 10MiB or 1GB")
	}
	if n.ShortTag() == "!!int" { // also 0x400 and 0o777
		var v int64
		if err := n.Decode(&v); err != nil {
			return NodeError(n, fmt.Sprintf("size %q is too large", n.Value))
		}
		if v < 0 {
			return NodeError(n, fmt.Sprintf("size %q is negative", n.Value))
		}
		*b = ByteSize(v)
		return nil
	}
	v, err := parseByteSize(n.Value)
	if err != nil {
		return NodeError(n, err.Error())
	}
	*b = v
	return nil
}

// parseByteSize parses the text of a ByteSize.
func parseByteSize(s string) (ByteSize, error) {
	m := byteSizeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("invalid size %q: want a size such as 512KiB, 10MiB or 1GB", s)
	}
	unit := byteUnits[m[2]]
	if !strings.Contains(m[1], ".") {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n > math.MaxInt64/int64(unit) {
			return 0, fmt.Errorf("size %q is too large", s)
		}
		return ByteSize(n) * unit, nil
	}
	f, _ := strconv.ParseFloat(m[1], 64) // the pattern guarantees a number
	if f*float64(unit) >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return ByteSize(f * float64(unit)), nil
}

// NodeError reports a problem with one value the way the yaml decoder
// reports its own, so that decoding carries on and the line is kept.
func NodeError(n *yaml.Node, msg string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, msg)}}
}
