package reliability

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/function/pgtest"
)

// TestPoolExhaustion sends more concurrent slow queries to one cmd/local
// process (a concurrent host) than its pool has connections: the excess
// waits ACQUIRE_TIMEOUT_MS, then gets 503 pool_exhausted with Retry-After;
// nothing hangs, and the pool serves again once the slow queries end.
func TestPoolExhaustion(t *testing.T) {
	const (
		pool      = 2
		acquireMS = 300
		requests  = 10
		sleepSQL  = "SELECT pg_sleep(1.5) AS slept"
	)
	c := startCluster(t, pgtest.Options{PgBouncer: true})
	for _, tg := range []struct{ name, url string }{{"direct", c.AgentURL}, {"pgbouncer", c.BouncerURL}} {
		t.Run(tg.name, func(t *testing.T) {
			p := runLocal(t, map[string]string{
				"DATABASE_URL": tg.url, "API_KEYS": testKey, "POOL_SIZE": "2",
				"ACQUIRE_TIMEOUT_MS": "300", "QUERY_TIMEOUT_MS": "5000",
			})
			client := &http.Client{Timeout: 30 * time.Second} // a hang fails the test, never blocks it
			send := func(sql string) result { return sendQuery(client, p.URL, sql) }
			// Open the pool's connections first, so the slow queries need no
			// connection set-up and the race is only for pool slots.
			var wg sync.WaitGroup
			for i := 0; i < pool; i++ {
				wg.Add(1)
				go func() { defer wg.Done(); send("SELECT pg_sleep(0.1)") }()
			}
			wg.Wait()

			results := make([]result, requests)
			for i := range results {
				wg.Add(1)
				go func() { defer wg.Done(); results[i] = send(sleepSQL) }()
			}
			wg.Wait()
			var ok, exhausted int
			var waited []time.Duration
			for _, r := range results {
				switch {
				case r.status == http.StatusOK:
					ok++
				case r.status == http.StatusServiceUnavailable && r.code == "pool_exhausted":
					exhausted++
					waited = append(waited, r.dur().Round(time.Millisecond))
					if r.retryAfter == "" {
						t.Error("pool_exhausted without Retry-After")
					}
					// It waited for a slot before giving up (a lower bound: a slow
					// machine cannot make this flaky).
					if r.dur() < acquireMS*time.Millisecond {
						t.Errorf("pool_exhausted after %v, before the %d ms acquire timeout", r.dur(), acquireMS)
					}
				default:
					t.Errorf("unexpected answer: %d %s %s", r.status, r.code, r.msg)
				}
			}
			if ok != pool || exhausted != requests-pool {
				t.Errorf("%d ok and %d pool_exhausted; want %d and %d", ok, exhausted, pool, requests-pool)
			}
			report(t, "%d concurrent pg_sleep(1.5) on a pool of %d (ACQUIRE_TIMEOUT_MS=%d): %d ok, %d x 503 pool_exhausted after %v",
				requests, pool, acquireMS, ok, exhausted, waited)

			// Nothing is left behind: the pool is idle, no sleep runs on the
			// server, and the next requests are served.
			if !waitFor(func() bool { return activeQueries(t, c.OwnerURL, "pg_sleep(1.5)") == 0 }) {
				t.Error("slow queries still run on the server")
			}
			req, _ := http.NewRequest(http.MethodGet, p.URL+"/ready", nil)
			req.Header.Set("Authorization", "Bearer "+testKey) // the figures need a key
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var ready struct{ Pool poolStats }
			_ = json.NewDecoder(resp.Body).Decode(&ready)
			resp.Body.Close()
			if ready.Pool.Acquired != 0 || ready.Pool.Total > pool {
				t.Errorf("pool after the burst: %+v", ready.Pool)
			}
			for i := 0; i < pool*2; i++ {
				if r := send("SELECT 1"); r.status != http.StatusOK {
					t.Errorf("after the burst: %d %s %s", r.status, r.code, r.msg)
				}
			}
		})
	}
}

// sendQuery posts sql to /v1/query at base and records when it was sent and
// answered, the status, Retry-After and the error code and message.
func sendQuery(client *http.Client, base, sql string) result {
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/query", strings.NewReader(queryBody(sql)))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/json")
	r := result{start: time.Now()}
	resp, err := client.Do(req)
	r.end = time.Now()
	if err != nil {
		r.code, r.msg = "transport", err.Error()
		return r
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r.status, r.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
	if r.status != http.StatusOK {
		r.code, r.msg = errorOf(body)
	}
	return r
}
