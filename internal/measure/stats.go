package measure

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// Summary condenses samples (milliseconds) to the figures the tools report.
type Summary struct {
	N      int     `json:"n"`
	Min    float64 `json:"min_ms"`
	Median float64 `json:"median_ms"`
	P90    float64 `json:"p90_ms"`
	Max    float64 `json:"max_ms"`
}

// Summarize returns the summary of samples in milliseconds; an empty input gives N == 0.
func Summarize(ms []float64) Summary {
	if len(ms) == 0 {
		return Summary{}
	}
	s := slices.Clone(ms)
	slices.Sort(s)
	return Summary{N: len(s), Min: s[0], Median: Percentile(s, 50), P90: Percentile(s, 90), Max: s[len(s)-1]}
}

// Percentile returns the nearest-rank p-th percentile (0..100) of sorted samples, the zero
// value for none. Nearest rank, not interpolation: with few samples (the usual case for
// cold starts) every figure reported is one that was really observed. Every tool's
// percentiles (milliseconds here, durations in coldstart's local mode and load) come from it.
func Percentile[T cmp.Ordered](sorted []T, p float64) T {
	if len(sorted) == 0 {
		var zero T
		return zero
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Check is one figure against its target: the verdict of every tool (coldstart, both
// modes, and tune). A tool fails (exit status 1) when one of its checks is not OK.
type Check struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Target float64 `json:"target"`
	Unit   string  `json:"unit"`              // "ms" or "x" (a ratio)
	AtMost bool    `json:"at_most,omitempty"` // the target is an upper bound included (<=), not excluded (<)
	OK     bool    `json:"ok"`
}

// Below checks value < target.
func Below(name string, value, target float64, unit string) Check {
	return Check{Name: name, Value: value, Target: target, Unit: unit, OK: value < target}
}

// AtMost checks value <= target.
func AtMost(name string, value, target float64, unit string) Check {
	return Check{Name: name, Value: value, Target: target, Unit: unit, AtMost: true, OK: value <= target}
}

// AllOK reports whether every check passed.
func AllOK(checks []Check) bool {
	for _, c := range checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// WriteChecks prints checks one a line, in the one style every tool uses:
//
//	ok   warm invoke p90                            2.31 ms  (target < 100 ms)
//	MISS pooled DB query p90                       61.02 ms  (target < 50 ms)
func WriteChecks(w io.Writer, checks []Check) {
	for _, c := range checks {
		mark, op := "ok  ", "<"
		if !c.OK {
			mark = "MISS"
		}
		if c.AtMost {
			op = "<="
		}
		fmt.Fprintf(w, "%s %-44s %10s  (target %s %s)\n", mark, c.Name, c.format(c.Value), op, c.format(c.Target))
	}
}

func (c Check) format(v float64) string {
	if c.Unit == "x" {
		return fmt.Sprintf("%.2fx", v)
	}
	return num(v) + " " + c.Unit
}

// Ms converts a duration to float milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func round2(v float64) float64 { return math.Round(v*100) / 100 }
