package main

import (
	"encoding/json"
	"math"
	"slices"
	"time"
)

// Stats summarizes samples of one figure.
type Stats struct {
	N      int             `json:"n"`
	Min    time.Duration   `json:"-"`
	Median time.Duration   `json:"-"`
	P90    time.Duration   `json:"-"`
	P99    time.Duration   `json:"-"`
	Max    time.Duration   `json:"-"`
	Raw    []time.Duration `json:"-"`
}

// MarshalJSON writes milliseconds, which is what people compare.
func (s Stats) MarshalJSON() ([]byte, error) {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	raw := make([]float64, len(s.Raw))
	for i, d := range s.Raw {
		raw[i] = ms(d)
	}
	return json.Marshal(map[string]any{
		"n": s.N, "min_ms": ms(s.Min), "median_ms": ms(s.Median), "p90_ms": ms(s.P90),
		"p99_ms": ms(s.P99), "max_ms": ms(s.Max), "samples_ms": raw,
	})
}

// summarize computes nearest-rank percentiles (no interpolation: every figure reported is
// one that was measured).
func summarize(samples []time.Duration) Stats {
	s := Stats{N: len(samples), Raw: samples}
	if len(samples) == 0 {
		return s
	}
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	s.Min, s.Max = sorted[0], sorted[len(sorted)-1]
	s.Median = percentile(sorted, 50)
	s.P90 = percentile(sorted, 90)
	s.P99 = percentile(sorted, 99)
	return s
}

// percentile returns the nearest-rank p-th percentile of sorted samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}
