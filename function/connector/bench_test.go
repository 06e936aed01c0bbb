package connector

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"
)

// Benchmarks report latency percentiles as custom metrics; nothing here
// asserts a timing. Run: make bench (go test -run '^$' -bench . ./connector).

func reportPercentiles(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	p := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))]) / 1e6 }
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}

// BenchmarkQueryWarm is a warm POST /v1/query through the whole handler:
// auth, decode, screening, acquire, the one-round-trip pipeline, encode.
func BenchmarkQueryWarm(b *testing.B) {
	for _, tg := range targets() {
		b.Run(tg.name, func(b *testing.B) {
			h, _ := newTestHandler(b, tg.url, nil)
			h.log = newDiscardLogger()
			defer h.Close()
			req := map[string]any{"sql": "SELECT id, name, balance FROM customers WHERE id = $1", "params": []any{42}}
			if r := query(h, req); r.status != http.StatusOK {
				b.Fatalf("%d %s", r.status, r.body)
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if r := query(h, req); r.status != http.StatusOK {
					b.Fatalf("%d %s", r.status, r.body)
				}
				lat = append(lat, time.Since(start))
			}
			reportPercentiles(b, lat)
		})
	}
}

// BenchmarkPoolAcquire is acquiring and releasing a pooled connection that
// was used within the last second.
func BenchmarkPoolAcquire(b *testing.B) {
	for _, tg := range targets() {
		b.Run(tg.name, func(b *testing.B) {
			h, _ := newTestHandler(b, tg.url, nil)
			defer h.Close()
			a, _, err := h.app.get(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			c, err := a.pool.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			c.Release()
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				c, err := a.pool.Acquire(ctx)
				if err != nil {
					b.Fatal(err)
				}
				c.Release()
				lat = append(lat, time.Since(start))
			}
			reportPercentiles(b, lat)
		})
	}
}

// BenchmarkColdFirstQuery is the first /v1/query of a fresh app: config,
// pool creation and the first connection's set-up, then the query.
func BenchmarkColdFirstQuery(b *testing.B) {
	for _, tg := range targets() {
		b.Run(tg.name, func(b *testing.B) {
			req := map[string]any{"sql": "SELECT 1"}
			lat := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				h, _ := newTestHandler(b, tg.url, nil)
				h.log = newDiscardLogger()
				start := time.Now()
				if r := query(h, req); r.status != http.StatusOK {
					b.Fatalf("%d %s", r.status, r.body)
				}
				lat = append(lat, time.Since(start))
				b.StopTimer()
				h.Close()
				b.StartTimer()
			}
			reportPercentiles(b, lat)
		})
	}
}
