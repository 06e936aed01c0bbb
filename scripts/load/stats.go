package main

import (
	"fmt"
	"sort"
	"time"

	meas "github.com/ai-agent-connector/ai-agent-connector/internal/measure"
)

// rssSample is one reading of the function process's resident set size.
type rssSample struct {
	At time.Duration `json:"at_ms"`
	KB int           `json:"kb"`
}

// memoryGrowth compares the peak RSS of the first quarter of the samples
// with the peak of the last quarter: a leak shows as a rising tail, while a
// heap that reached its steady size early does not.
func memoryGrowth(samples []rssSample) (startKB, endKB, peakKB int) {
	if len(samples) == 0 {
		return 0, 0, 0
	}
	q := max(1, len(samples)/4)
	for _, s := range samples[:q] {
		startKB = max(startKB, s.KB)
	}
	for _, s := range samples[len(samples)-q:] {
		endKB = max(endKB, s.KB)
	}
	for _, s := range samples {
		peakKB = max(peakKB, s.KB)
	}
	return startKB, endKB, peakKB
}

// Result is one target's figures and verdict.
type Result struct {
	Target      string         `json:"target"`
	Rate        float64        `json:"rate_per_s"`
	Duration    time.Duration  `json:"duration_ns"`
	Scheduled   int            `json:"scheduled"`
	Statuses    map[int]int    `json:"statuses"`
	Transport   int            `json:"transport_errors"`
	Dropped     int            `json:"dropped"`
	P50         time.Duration  `json:"p50_ns"`
	P90         time.Duration  `json:"p90_ns"`
	P99         time.Duration  `json:"p99_ns"`
	Max         time.Duration  `json:"max_ns"`
	RSS         []rssSample    `json:"rss"`
	RSSStartKB  int            `json:"rss_start_kb"`
	RSSEndKB    int            `json:"rss_end_kb"`
	RSSPeakKB   int            `json:"rss_peak_kb"`
	Pass        bool           `json:"pass"`
	Failures    []string       `json:"failures,omitempty"`
	FirstErrors map[string]int `json:"errors,omitempty"`
}

// limits are what a run must hold to pass.
type limits struct {
	P99          time.Duration
	RSSGrowthKB  int     // absolute allowance
	RSSGrowthPct float64 // or this share of the start, whichever is larger
}

// judge fills Pass and Failures.
func (r *Result) judge(l limits, latencies []time.Duration) {
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	r.P50, r.P90, r.P99 = meas.Percentile(latencies, 50), meas.Percentile(latencies, 90), meas.Percentile(latencies, 99)
	if len(latencies) > 0 {
		r.Max = latencies[len(latencies)-1]
	}
	r.RSSStartKB, r.RSSEndKB, r.RSSPeakKB = memoryGrowth(r.RSS)
	var fails []string
	fiveXX, other := 0, 0
	for s, n := range r.Statuses {
		switch {
		case s >= 500:
			fiveXX += n
		case s != 200:
			other += n
		}
	}
	if fiveXX > 0 {
		fails = append(fails, fmt.Sprintf("%d responses were 5xx (want 0)", fiveXX))
	}
	if other > 0 {
		fails = append(fails, fmt.Sprintf("%d responses were neither 200 nor 5xx (every request is valid)", other))
	}
	if r.Transport > 0 {
		fails = append(fails, fmt.Sprintf("%d requests got no HTTP answer", r.Transport))
	}
	if r.Dropped > 0 {
		fails = append(fails, fmt.Sprintf("%d requests could not be sent on time (too many in flight): the rate was not held", r.Dropped))
	}
	if len(latencies) == 0 {
		fails = append(fails, "no request completed")
	} else if r.P99 > l.P99 {
		fails = append(fails, fmt.Sprintf("p99 %v is over the %v target", r.P99.Round(time.Microsecond), l.P99))
	}
	if len(r.RSS) < 4 {
		fails = append(fails, "too few RSS samples to judge memory")
	} else {
		allowed := max(l.RSSGrowthKB, int(float64(r.RSSStartKB)*l.RSSGrowthPct/100))
		if growth := r.RSSEndKB - r.RSSStartKB; growth > allowed {
			fails = append(fails, fmt.Sprintf("RSS grew %d KiB (from %d to %d KiB), more than the %d KiB allowed", growth, r.RSSStartKB, r.RSSEndKB, allowed))
		}
	}
	r.Failures, r.Pass = fails, len(fails) == 0
}
