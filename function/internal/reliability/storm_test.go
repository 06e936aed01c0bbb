package reliability

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/function/pgtest"
)

// stormN is how many fresh function processes start at once
// in the full run (RELIABILITY_STORM_N, default 200).
func stormN(t *testing.T) int {
	n := 200
	if v := os.Getenv("RELIABILITY_STORM_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 1000 {
			t.Fatalf("RELIABILITY_STORM_N=%q: want 1..1000", v)
		}
	}
	return n
}

// TestConnectionStorm simulates a scale-out: N fresh cmd/local processes,
// each opening its own pool at the same moment (GET /ready, then a query),
// against a PostgreSQL whose max_connections is far below N. Directly, the
// connections past the limit are refused: the test records how, and
// requires each failure to be a 503 with Retry-After that names the cause.
// Through PgBouncer in transaction mode, none may fail.
func TestConnectionStorm(t *testing.T) {
	// The everyday run storms 30 processes against max_connections=15; the
	// full run (RELIABILITY_FULL=1) 200 against 40.
	n, maxConns, bouncerPool := 30, 15, 5
	if full() {
		n, maxConns, bouncerPool = stormN(t), 40, 20
	}
	c := startCluster(t, pgtest.Options{PgBouncer: true, MaxConnections: maxConns, BouncerPoolSize: bouncerPool})
	bin := localBinary(t)
	for _, tg := range []struct {
		name, url string
		mayFail   bool
	}{{"direct", c.AgentURL, true}, {"pgbouncer", c.BouncerURL, false}} {
		t.Run(tg.name, func(t *testing.T) {
			storm(t, bin, n, maxConns, tg.url, tg.mayFail, c)
		})
	}
}

func storm(t *testing.T, bin string, n, maxConns int, dbURL string, mayFail bool, c *pgtest.Cluster) {
	ports, err := freePorts(n)
	if err != nil {
		t.Fatal(err)
	}
	procs := make([]*proc, 0, n)
	defer func() {
		// Every process ends, whatever happened: SIGTERM in parallel, then
		// SIGKILL for any that lingers (proc.Stop).
		var wg sync.WaitGroup
		for _, p := range procs {
			wg.Add(1)
			go func() { defer wg.Done(); p.Stop() }()
		}
		wg.Wait()
		alive := 0
		for _, p := range procs {
			if !p.Exited() {
				alive++
			}
		}
		if alive > 0 {
			t.Errorf("%d function processes still alive after the storm", alive)
		}
	}()
	start := time.Now()
	for _, port := range ports {
		p, err := startLocal(bin, port, map[string]string{
			"DATABASE_URL": dbURL + "&application_name=storm", "API_KEYS": testKey, "LOG_LEVEL": "warn",
		})
		if err != nil {
			t.Fatal(err)
		}
		procs = append(procs, p)
	}
	client := &http.Client{
		Timeout:   60 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 2 * n, MaxIdleConnsPerHost: 2, DisableCompression: true},
	}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, p := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = p.waitHealthy(ctx, client) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("a function process did not start: %v", err)
		}
	}
	report(t, "%d cmd/local processes started and healthy in %v", n, time.Since(start).Round(time.Millisecond))

	// All at once: every process opens its pool at the same moment.
	type outcome struct {
		ready, query result
		err          error
	}
	outcomes := make([]outcome, n)
	gate := make(chan struct{})
	for i, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			o := &outcomes[i]
			if o.ready, o.err = call(ctx, client, http.MethodGet, p.URL+"/ready", ""); o.err != nil {
				return
			}
			o.query, o.err = call(ctx, client, http.MethodPost, p.URL+"/v1/query", queryBody("SELECT count(*) FROM orders"))
		}()
	}
	fired := time.Now()
	close(gate)
	wg.Wait()
	elapsed := time.Since(fired)

	// Tally: status and code, and every distinct failure message.
	tally := map[string]int{}
	messages := map[string]int{}
	var slowest time.Duration
	failed := 0
	for _, o := range outcomes {
		if o.err != nil {
			t.Errorf("transport error (the function did not answer): %v", o.err)
			failed++
			continue
		}
		bad := false
		for _, r := range []struct {
			what string
			r    result
		}{{"ready", o.ready}, {"query", o.query}} {
			slowest = max(slowest, r.r.dur())
			key := fmt.Sprintf("%s %d %s", r.what, r.r.status, r.r.code)
			tally[key]++
			if r.r.status == http.StatusOK {
				continue
			}
			bad = true
			messages[fmt.Sprintf("%s %d %s: %s", r.what, r.r.status, r.r.code, r.r.msg)]++
			if !mayFail {
				t.Errorf("%s failed through PgBouncer: %d %s %s", r.what, r.r.status, r.r.code, r.r.msg)
				continue
			}
			// A failure must be fast to retry and say what happened.
			if r.r.status != http.StatusServiceUnavailable || r.r.retryAfter == "" {
				t.Errorf("%s failed with %d (Retry-After %q), want 503 with Retry-After: %s", r.what, r.r.status, r.r.retryAfter, r.r.msg)
			}
			// PostgreSQL says either, both SQLSTATE 53300 (too_many_connections).
			if r.r.code != "database_busy" || !(strings.Contains(r.r.msg, "too many clients") || strings.Contains(r.r.msg, "connection slots are reserved")) {
				t.Errorf("%s failure does not name the connection limit: %s %q", r.what, r.r.code, r.r.msg)
			}
		}
		if bad {
			failed++
		}
	}
	if mayFail && failed == 0 {
		t.Errorf("no process failed with %d processes against max_connections=%d: the storm did not reach the limit", n, maxConns)
	}
	keys := make([]string, 0, len(tally))
	for k := range tally {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s x%d", k, tally[k]))
	}
	report(t, "%d processes at once against max_connections=%d: %d with a failure; answers: %s; all answered in %v (slowest %v)",
		n, maxConns, failed, strings.Join(parts, ", "), elapsed.Round(time.Millisecond), slowest.Round(time.Millisecond))
	for m, k := range messages {
		report(t, "failure x%d: %s", k, m)
	}
	total := 0
	for _, p := range procs {
		total += max(0, rssKB(p.cmd.Process.Pid))
	}
	report(t, "server connections of the storm after it: %d; total RSS of the %d processes: %d MiB",
		backendsOf(t, c.OwnerURL, "storm"), n, total>>10)
}

// call sends one request and reads its answer.
func call(ctx context.Context, client *http.Client, method, url, body string) (result, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return result{}, err
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/json")
	r := result{start: time.Now()}
	resp, err := client.Do(req)
	if err != nil {
		return r, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	r.end = time.Now()
	if err != nil {
		return r, err
	}
	r.status, r.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
	if r.status != http.StatusOK {
		r.code, r.msg = errorOf(b)
	}
	return r, nil
}
