package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// request is one kind of call of the mix.
type request struct {
	method, path string
	body         []byte
}

func queryReq(sql string, params ...any) request {
	b, _ := json.Marshal(map[string]any{"sql": sql, "params": params})
	return request{http.MethodPost, "/v1/query", b}
}

// mix is what an agent does: point lookups, aggregates, a view, a join with
// a range, and now and then the schema.
func mix(i int) request {
	switch i % 10 {
	case 0, 3, 6:
		return queryReq("SELECT id, name, email, balance, active FROM customers WHERE id = $1", 1+i%200)
	case 1, 7:
		return queryReq("SELECT status, count(*) AS n, sum(total) AS total FROM orders GROUP BY status ORDER BY status")
	case 2, 8:
		return queryReq("SELECT o.id, o.total, o.status, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.placed_at > $1 ORDER BY o.id LIMIT 20", "2026-02-03")
	case 4:
		return queryReq("SELECT * FROM customer_totals ORDER BY total DESC LIMIT 5")
	case 5:
		return request{http.MethodGet, "/v1/schema", nil}
	default:
		return queryReq("SELECT id, name FROM customers WHERE active AND balance > $1 ORDER BY balance DESC LIMIT $2", 100, 10)
	}
}

// hold sends requests at a fixed rate for d (open loop: each request is sent
// at its scheduled time whether or not earlier ones have answered, and its
// latency counts from that time, so a stall is not hidden), while sampling
// the RSS of the function process every 500 ms (more often in short runs).
func hold(ctx context.Context, name, base, key string, rate float64, d time.Duration, maxInFlight int, pid func() int, l limits) *Result {
	r := &Result{Target: name, Rate: rate, Duration: d, Statuses: map[int]int{}, FirstErrors: map[string]int{}}
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: maxInFlight, MaxConnsPerHost: maxInFlight, DisableCompression: true},
	}
	defer client.CloseIdleConnections()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		wg        sync.WaitGroup
	)
	sem := make(chan struct{}, maxInFlight)
	start := time.Now()
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(min(500*time.Millisecond, d/10))
		defer t.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-t.C:
				if kb := rssKB(pid()); kb > 0 {
					mu.Lock()
					r.RSS = append(r.RSS, rssSample{At: time.Since(start) / time.Millisecond, KB: kb})
					mu.Unlock()
				}
			}
		}
	}()
	interval := time.Duration(float64(time.Second) / rate)
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if due.Sub(start) >= d {
			break
		}
		if wait := time.Until(due); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				r.FirstErrors["interrupted"]++
				goto done
			}
		}
		r.Scheduled++
		select {
		case sem <- struct{}{}:
		default:
			r.Dropped++
			continue
		}
		wg.Add(1)
		go func(i int, due time.Time) {
			defer wg.Done()
			defer func() { <-sem }()
			rq := mix(i)
			req, _ := http.NewRequestWithContext(ctx, rq.method, base+rq.path, bytes.NewReader(rq.body))
			req.Header.Set("Authorization", "Bearer "+key)
			if rq.body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := client.Do(req)
			var body []byte
			if err == nil {
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			lat := time.Since(due)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				r.Transport++
				if len(r.FirstErrors) < 10 {
					r.FirstErrors[err.Error()]++
				}
				return
			}
			r.Statuses[resp.StatusCode]++
			latencies = append(latencies, lat)
			if resp.StatusCode != http.StatusOK && len(r.FirstErrors) < 10 {
				r.FirstErrors[strconv.Itoa(resp.StatusCode)+" "+string(bytes.TrimSpace(body[:min(len(body), 300)]))]++
			}
		}(i, due)
	}
done:
	wg.Wait()
	close(stopSampling)
	<-sampled
	r.judge(l, latencies)
	return r
}

// rssKB reads VmRSS of pid from /proc (0 when unknown).
func rssKB(pid int) int {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// findProcess returns the pid of the process running exe (the bootstrap
// the emulator started), directly or under qemu-user, or 0.
func findProcess(exe string) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && p == exe {
			return pid
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmd), "\x00")
		if len(args) > 1 && strings.Contains(filepath.Base(args[0]), "qemu") && args[1] == exe {
			return pid
		}
	}
	return 0
}

func (r *Result) String() string {
	var b strings.Builder
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "%s  %s: %.0f req/s for %v, %d requests, statuses %v, transport errors %d, dropped %d\n",
		verdict, r.Target, r.Rate, r.Duration, r.Scheduled, r.Statuses, r.Transport, r.Dropped)
	fmt.Fprintf(&b, "      latency p50 %v  p90 %v  p99 %v  max %v\n",
		r.P50.Round(time.Microsecond), r.P90.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
	fmt.Fprintf(&b, "      function RSS: first quarter peak %.1f MiB, last quarter peak %.1f MiB, peak %.1f MiB (%d samples)\n",
		float64(r.RSSStartKB)/1024, float64(r.RSSEndKB)/1024, float64(r.RSSPeakKB)/1024, len(r.RSS))
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "      failure: %s\n", f)
	}
	for e, n := range r.FirstErrors {
		fmt.Fprintf(&b, "      error x%d: %s\n", n, e)
	}
	return b.String()
}
