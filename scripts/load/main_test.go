package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/internal/localpg"
	meas "github.com/ai-agent-connector/ai-agent-connector/internal/measure"
)

func TestPercentile(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		out := make([]time.Duration, len(n))
		for i, v := range n {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	for _, c := range []struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 99, 0},
		{ms(5), 99, 5 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 50, 5 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9 * time.Millisecond},
	} {
		if got := meas.Percentile(c.in, c.p); got != c.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", c.in, c.p, got, c.want)
		}
	}
}

func TestJudge(t *testing.T) {
	flat := []rssSample{{0, 10000}, {1, 12000}, {2, 12000}, {3, 12100}, {4, 12000}, {5, 12050}, {6, 12000}, {7, 12100}}
	leak := []rssSample{{0, 10000}, {1, 10000}, {2, 20000}, {3, 30000}, {4, 40000}, {5, 50000}, {6, 60000}, {7, 70000}}
	l := limits{P99: 10 * time.Millisecond, RSSGrowthKB: 4096, RSSGrowthPct: 10}
	fast := []time.Duration{time.Millisecond, 2 * time.Millisecond}
	for _, c := range []struct {
		name     string
		r        Result
		lat      []time.Duration
		wantFail string
	}{
		{"held", Result{Statuses: map[int]int{200: 2}, RSS: flat}, fast, ""},
		{"5xx", Result{Statuses: map[int]int{200: 1, 503: 1}, RSS: flat}, fast, "5xx"},
		{"4xx", Result{Statuses: map[int]int{200: 1, 401: 1}, RSS: flat}, fast, "neither 200 nor 5xx"},
		{"slow", Result{Statuses: map[int]int{200: 2}, RSS: flat}, []time.Duration{time.Millisecond, time.Second}, "p99"},
		{"leak", Result{Statuses: map[int]int{200: 2}, RSS: leak}, fast, "RSS grew"},
		{"dropped", Result{Statuses: map[int]int{200: 2}, RSS: flat, Dropped: 1}, fast, "rate was not held"},
		{"no answer", Result{Statuses: map[int]int{200: 2}, RSS: flat, Transport: 1}, fast, "no HTTP answer"},
		{"no samples", Result{Statuses: map[int]int{200: 2}}, fast, "RSS samples"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.r.judge(l, c.lat)
			if c.wantFail == "" {
				if !c.r.Pass {
					t.Fatalf("failed: %v", c.r.Failures)
				}
				return
			}
			if c.r.Pass || !strings.Contains(strings.Join(c.r.Failures, "; "), c.wantFail) {
				t.Fatalf("pass=%v failures=%v, want a failure about %q", c.r.Pass, c.r.Failures, c.wantFail)
			}
		})
	}
}

// TestShortLoad runs the real thing briefly against a throwaway
// PostgreSQL: cmd/local for 2 s at 100 req/s, and the Lambda bootstrap
// under the emulator for 2 s at 20 req/s.
func TestShortLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and the function")
	}
	t.Setenv("DATABASE_URL", "")
	o := options{duration: 2 * time.Second, warmup: 500 * time.Millisecond, rate: 100, lambdaRate: 20,
		targets: "local,lambda", p99: time.Second, lambdaP99: time.Second, growthMB: 64, maxInFlight: 64}
	results, err := runAll(context.Background(), o)
	if errors.Is(err, localpg.ErrNoPostgres) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 {
		t.Fatalf("%d results, want 2", len(results))
	}
	for i, want := range []int{200, 40} {
		r := results[i]
		if !r.Pass || r.Statuses[200] != r.Scheduled || r.Scheduled != want {
			t.Errorf("want %d requests, all 200:\n%s", want, r)
		}
		t.Logf("%s", r)
	}
}
