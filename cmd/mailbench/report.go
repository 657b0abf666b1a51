package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// result is one drain of one backlog by one system.
type result struct {
	System               string  `json:"system"`
	Messages             int     `json:"messages"`
	RawBytes             int64   `json:"raw_bytes"` // the backlog's messages, as appended
	DrainSeconds         float64 `json:"drain_seconds"`
	MsgsPerSecond        float64 `json:"msgs_per_second"`
	CPUSeconds           float64 `json:"cpu_seconds"`             // the system's own processes (user + system)
	IMAPServerCPUSeconds float64 `json:"imap_server_cpu_seconds"` // every Dovecot process, the probe's left out
	PeakRSSBytes         int64   `json:"peak_rss_bytes"`
	// mailassist-nats only: its NATS server process, apart from it.
	NATSCPUSeconds   float64 `json:"nats_cpu_seconds,omitempty"`
	NATSPeakRSSBytes int64   `json:"nats_peak_rss_bytes,omitempty"`
	// mailassist only.
	DataDirPeakBytes int64             `json:"data_dir_peak_bytes,omitempty"` // sampled every second while draining
	DataDirEndBytes  int64             `json:"data_dir_end_bytes,omitempty"`  // after the drain and the probes
	Buckets          map[string]uint64 `json:"stream_bytes,omitempty"`        // bytes per stream (buckets are streams) at the end
	RawLeftBytes     *uint64           `json:"raw_left_bytes,omitempty"`      // raw bodies still on the bus after stream.raw_max_age
	During           []time.Duration   `json:"-"`
	After            []time.Duration   `json:"-"`
	DuringLost       int               `json:"new_mail_during_lost,omitempty"`
	AfterLost        int               `json:"new_mail_after_lost,omitempty"`
	NewMail          *newMail          `json:"new_mail,omitempty"`
}

// newMail is the latency from a probe's APPEND to its move to Junk.
type newMail struct {
	DuringCount int     `json:"during_count"`
	DuringP50   float64 `json:"during_p50_seconds"`
	DuringP99   float64 `json:"during_p99_seconds"`
	DuringMax   float64 `json:"during_max_seconds"`
	AfterCount  int     `json:"after_count"`
	AfterP50    float64 `json:"after_p50_seconds"`
	AfterP99    float64 `json:"after_p99_seconds"`
	AfterMax    float64 `json:"after_max_seconds"`
}

// The systems a bench runs (-systems).
const (
	systemImapfilter     = "imapfilter"
	systemMailassist     = "mailassist"
	systemMailassistNATS = "mailassist-nats" // its NATS server in a process of its own
)

// mailassist reports whether the result is one of mailassist's runs.
func (r *result) mailassist() bool {
	return r.System == systemMailassist || r.System == systemMailassistNATS
}

func (r *result) summarize() {
	if !r.mailassist() {
		return
	}
	r.NewMail = &newMail{
		DuringCount: len(r.During), DuringP50: percentile(r.During, 0.5).Seconds(),
		DuringP99: percentile(r.During, 0.99).Seconds(), DuringMax: percentile(r.During, 1).Seconds(),
		AfterCount: len(r.After), AfterP50: percentile(r.After, 0.5).Seconds(),
		AfterP99: percentile(r.After, 0.99).Seconds(), AfterMax: percentile(r.After, 1).Seconds(),
	}
}

// report is everything one bench run measured.
type report struct {
	Start      time.Time `json:"start"`
	Machine    string    `json:"machine"`
	Corpus     string    `json:"corpus"`
	Dovecot    string    `json:"dovecot"`
	Mailassist string    `json:"mailassist"`
	Results    []*result `json:"results"`
}

func (rep *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

func (rep *report) writeTable(w io.Writer) {
	fmt.Fprintf(w, "| backlog | system | drain | msgs/s | peak RSS | own CPU | IMAP server CPU (per msg) | data dir peak (× raw) | new mail during: p50 / p99 (n) | after: p50 / p99 (n) |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|---|\n")
	rs := slices.Clone(rep.Results)
	slices.SortStableFunc(rs, func(a, b *result) int { return a.Messages - b.Messages })
	for _, r := range rs {
		dir, during, after := "", "", ""
		rss, cpu := fmt.Sprintf("%.0f MB", mb(r.PeakRSSBytes)), fmt.Sprintf("%.1f s", r.CPUSeconds)
		if r.System == systemMailassistNATS {
			rss += fmt.Sprintf(" + NATS %.0f MB", mb(r.NATSPeakRSSBytes))
			cpu += fmt.Sprintf(" + NATS %.1f s", r.NATSCPUSeconds)
		}
		if r.mailassist() {
			dir = fmt.Sprintf("%.1f MB (%.2f×)", mb(r.DataDirPeakBytes), float64(r.DataDirPeakBytes)/float64(max(r.RawBytes, 1)))
			during = fmt.Sprintf("%s / %s (%d%s)", secs(r.NewMail.DuringP50), secs(r.NewMail.DuringP99), r.NewMail.DuringCount, lost(r.DuringLost))
			after = fmt.Sprintf("%s / %s (%d%s)", secs(r.NewMail.AfterP50), secs(r.NewMail.AfterP99), r.NewMail.AfterCount, lost(r.AfterLost))
		}
		fmt.Fprintf(w, "| %d | %s | %.1f s | %.0f | %s | %s | %.1f s (%.2f ms) | %s | %s | %s |\n",
			r.Messages, r.System, r.DrainSeconds, r.MsgsPerSecond, rss, cpu,
			r.IMAPServerCPUSeconds, 1000*r.IMAPServerCPUSeconds/float64(r.Messages), dir, during, after)
	}
	for _, r := range rs {
		if !r.mailassist() {
			continue
		}
		var parts []string
		for name, b := range r.Buckets {
			parts = append(parts, fmt.Sprintf("%s %.1f MB", name, mb(int64(b))))
		}
		slices.Sort(parts)
		fmt.Fprintf(w, "\n%s, %d messages (%.1f MB raw): data dir at the end %.1f MB; streams: %s", r.System, r.Messages, mb(r.RawBytes), mb(r.DataDirEndBytes), strings.Join(parts, ", "))
		if r.RawLeftBytes != nil {
			fmt.Fprintf(w, "; raw bodies left after stream.raw_max_age: %d bytes", *r.RawLeftBytes)
		}
		fmt.Fprintln(w)
	}
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func secs(s float64) string { return fmt.Sprintf("%.2f s", s) }

func lost(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d never moved", n)
}
