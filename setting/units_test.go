package setting

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string // substring of the error; empty for success
	}{
		{"90s", 90 * time.Second, ""},
		{"15m", 15 * time.Minute, ""},
		{"720h", 720 * time.Hour, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"500ms", 500 * time.Millisecond, ""},
		{"0", 0, ""},
		{"7d", 7 * 24 * time.Hour, ""},
		{"1.5d", 36 * time.Hour, ""},
		{"0d", 0, ""},
		{" 2m ", 2 * time.Minute, ""},
		{"-1s", 0, "negative"},
		{"-2d", 0, "negative"},
		{"60", 0, "invalid duration"},
		{"", 0, "invalid duration"},
		{"d", 0, "invalid duration"},
		{"1w", 0, "invalid duration"},
		{"1d12h", 0, "invalid duration"},
		{"NaNd", 0, "invalid duration"},
		{"infd", 0, "invalid duration"},
		{"1e10d", 0, "too long"},
		{"10 minutes", 0, "invalid duration"},
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in)
		if tt.err == "" && (err != nil || got.D() != tt.want) {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("parseDuration(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.err)
		}
	}
}

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{"1048576", 1 << 20, ""},
		{"0", 0, ""},
		{"1B", 1, ""},
		{"512KiB", 512 << 10, ""},
		{"10MiB", 10 << 20, ""},
		{"10GiB", 10 << 30, ""},
		{"2TiB", 2 << 40, ""},
		{"1GB", 1e9, ""},
		{"100KB", 1e5, ""},
		{"1.5KiB", 1536, ""},
		{"1 MiB", 1 << 20, ""},
		{"8388607TiB", 8388607 << 40, ""},
		{"8388608TiB", 0, "too large"},
		{"99999999999999999999", 0, "too large"},
		{"1e30GB", 0, "invalid size"},
		{"-1", 0, "invalid size"},
		{"10XB", 0, "invalid size"},
		{"10kb", 0, "invalid size"},
		{"GiB", 0, "invalid size"},
		{"", 0, "invalid size"},
		{"ten", 0, "invalid size"},
	}
	for _, tt := range tests {
		got, err := parseByteSize(tt.in)
		if tt.err == "" && (err != nil || got.Int64() != tt.want) {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
		if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("parseByteSize(%q) = %d, %v; want an error containing %q", tt.in, got, err, tt.err)
		}
	}
}

func TestUnitStrings(t *testing.T) {
	tests := []struct {
		in   interface{ String() string }
		want string
	}{
		{Duration(0), "0s"},
		{Duration(720 * time.Hour), "720h"},
		{Duration(90 * time.Minute), "1h30m"},
		{Duration(time.Minute), "1m"},
		{Duration(1500 * time.Millisecond), "1.5s"},
		{Duration(time.Hour + time.Second), "1h0m1s"},
		{ByteSize(0), "0B"},
		{ByteSize(1000), "1000B"},
		{256 * KiB, "256KiB"},
		{10 * GiB, "10GiB"},
		{1536 * MiB, "1536MiB"},
		{4 * TiB, "4TiB"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// TestUnitsYAML checks that units written by MarshalYAML read back, and
// that UnmarshalYAML accepts YAML integers as sizes.
func TestUnitsYAML(t *testing.T) {
	type units struct {
		D Duration `yaml:"d"`
		B ByteSize `yaml:"b"`
	}
	in := units{D: Duration(36 * time.Hour), B: 10 * GiB}
	data, err := yaml.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "d: 36h\nb: 10GiB\n" {
		t.Errorf("Marshal = %q", data)
	}
	var out units
	if err := yaml.Unmarshal(data, &out); err != nil || out != in {
		t.Errorf("Unmarshal(%q) = %+v, %v; want %+v", data, out, err, in)
	}
	if err := yaml.Unmarshal([]byte("b: 0x400\nd: 1.5d\n"), &out); err != nil || out.B != KiB || out.D.D() != 36*time.Hour {
		t.Errorf("Unmarshal = %+v, %v", out, err)
	}
	if err := yaml.Unmarshal([]byte("b: -5\n"), &out); err == nil || !strings.Contains(err.Error(), `size "-5" is negative`) {
		t.Errorf("Unmarshal(b: -5) = %v; want negative", err)
	}
	err = yaml.Unmarshal([]byte("d: [1s]\nb: {}\n"), &out)
	if err == nil || !strings.Contains(err.Error(), "line 1: want a duration") || !strings.Contains(err.Error(), "line 2: want a size") {
		t.Errorf("Unmarshal(collections) = %v; want both lines", err)
	}
}
