package main

import (
	"encoding/json"
	"math"
	"slices"
	"time"

	meas "github.com/ai-agent-connector/ai-agent-connector/internal/measure"
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

// summarize computes the figures of samples (nearest rank: measure.Percentile).
func summarize(samples []time.Duration) Stats {
	s := Stats{N: len(samples), Raw: samples}
	if len(samples) == 0 {
		return s
	}
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	s.Min, s.Max = sorted[0], sorted[len(sorted)-1]
	s.Median = meas.Percentile(sorted, 50)
	s.P90 = meas.Percentile(sorted, 90)
	s.P99 = meas.Percentile(sorted, 99)
	return s
}
