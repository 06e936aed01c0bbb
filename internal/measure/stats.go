package measure

import (
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
	return Summary{N: len(s), Min: s[0], Median: percentile(s, 50), P90: percentile(s, 90), Max: s[len(s)-1]}
}

// percentile uses the nearest-rank method on sorted samples: with few samples (the usual case
// for cold starts) it reports a value that was really observed.
func percentile(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(rank, 1)
	return sorted[min(rank, len(sorted))-1]
}

// Ms converts a duration to float milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func round2(v float64) float64 { return math.Round(v*100) / 100 }
