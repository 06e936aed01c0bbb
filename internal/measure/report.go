package measure

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Report is the figures of one Lambda REPORT log line.
type Report struct {
	RequestID    string  `json:"request_id"`
	InitMs       float64 `json:"init_ms,omitempty"` // Init Duration: only on a cold start
	DurationMs   float64 `json:"duration_ms"`
	BilledMs     float64 `json:"billed_ms"`
	MemorySizeMB int     `json:"memory_size_mb"`
	MaxMemoryMB  int     `json:"max_memory_used_mb"`
	Cold         bool    `json:"cold"` // the line carried an Init Duration
}

var reportField = regexp.MustCompile(`(Init Duration|Billed Duration|Duration|Memory Size|Max Memory Used): ([0-9.]+) (ms|MB)`)

// ParseReport reads a line such as
//
//	REPORT RequestId: 3f0c...	Duration: 5.30 ms	Billed Duration: 6 ms	Memory Size: 256 MB	Max Memory Used: 21 MB	Init Duration: 41.20 ms
//
// Fields may come in any order (Lambda puts Init Duration last, the emulator first).
func ParseReport(line string) (Report, error) {
	i := strings.Index(line, "REPORT RequestId: ")
	if i < 0 {
		return Report{}, fmt.Errorf("not a REPORT line: %q", line)
	}
	rest := line[i+len("REPORT RequestId: "):]
	var r Report
	r.RequestID, _, _ = strings.Cut(rest, "\t")
	r.RequestID = strings.TrimSpace(r.RequestID)
	seen := map[string]bool{}
	for _, m := range reportField.FindAllStringSubmatch(rest, -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return Report{}, fmt.Errorf("REPORT field %s: %q: %w", m[1], m[2], err)
		}
		seen[m[1]] = true
		switch m[1] {
		case "Init Duration":
			r.InitMs, r.Cold = v, true
		case "Duration":
			r.DurationMs = v
		case "Billed Duration":
			r.BilledMs = v
		case "Memory Size":
			r.MemorySizeMB = int(v)
		case "Max Memory Used":
			r.MaxMemoryMB = int(v)
		}
	}
	if !seen["Duration"] || !seen["Billed Duration"] {
		return Report{}, fmt.Errorf("REPORT line without Duration or Billed Duration: %q", line)
	}
	return r, nil
}

// ReportFromTail finds the REPORT line in a base64 X-Amz-Log-Result (the last 4 KB of the
// invocation's log, which always ends with it).
func ReportFromTail(logResult string) (Report, string, error) {
	b, err := base64.StdEncoding.DecodeString(logResult)
	if err != nil {
		return Report{}, "", fmt.Errorf("decode log tail: %w", err)
	}
	tail := string(b)
	lines := strings.Split(strings.TrimRight(tail, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], "REPORT RequestId:") {
			r, err := ParseReport(lines[i])
			return r, tail, err
		}
	}
	return Report{}, tail, fmt.Errorf("no REPORT line in the log tail (%d bytes)", len(b))
}
