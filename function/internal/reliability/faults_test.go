package reliability

import (
	"context"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/function/pgtest"
)

// Fault budgets. A request may wait ACQUIRE_TIMEOUT_MS for a connection and
// then run QUERY_TIMEOUT_MS on the server plus the handler's 1 s client-side
// backstop; nothing may take longer than that, database down or not.
const (
	faultPool      = 4
	faultAcquireMS = 500
	faultQueryMS   = 2000
	faultBudget    = (faultAcquireMS+faultQueryMS)*time.Millisecond + time.Second
	// recoveryBound is a generous ceiling on how long after the server is
	// back requests may still fail; the measured figure is reported.
	recoveryBound = 10 * time.Second
)

// TestDatabaseFaults stops a server in the middle of a load and starts it
// again: in-flight and new requests fail fast with 503 and Retry-After,
// nothing leaks (goroutines, pool connections, server connections), and
// requests succeed again soon after the server is back.
func TestDatabaseFaults(t *testing.T) {
	type fault struct {
		name   string
		bounce bool // through PgBouncer (else direct)
		stop   func(c *pgtest.Cluster)
		start  func(ctx context.Context, c *pgtest.Cluster) error
		// settle is how much longer than recoveryBound the path in front of
		// the database may keep failing after the server is back.
		settle time.Duration
	}
	pgStop := func(c *pgtest.Cluster) { c.StopPostgres() }
	pgStart := func(ctx context.Context, c *pgtest.Cluster) error { return c.StartPostgres(ctx) }
	faults := []fault{
		{"postgres restart, direct", false, pgStop, pgStart, 0},
		{"pgbouncer restart", true, func(c *pgtest.Cluster) { c.StopBouncer() }, func(ctx context.Context, c *pgtest.Cluster) error { return c.StartBouncer(ctx) }, 0},
	}
	cycles, phase := 1, time.Second
	if full() {
		// After failed server logins PgBouncer refuses clients at once for
		// server_login_retry (pgtest sets 1 s; the default is 15 s) before it
		// tries the server again, so this path recovers up to that long after
		// PostgreSQL is back.
		faults = append(faults, fault{"postgres restart behind pgbouncer", true, pgStop, pgStart, 2 * time.Second})
		cycles, phase = 3, 3*time.Second
	}
	c := startCluster(t, pgtest.Options{PgBouncer: true})
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			n := cycles
			if f.settle > 0 {
				n = 1 // one long cycle: it must outlast the settle time
			}
			runFault(t, c, f.bounce, n, phase, f.settle, f.stop, f.start)
		})
	}
}

func runFault(t *testing.T, c *pgtest.Cluster, bounce bool, cycles int, phase, settle time.Duration,
	stop func(*pgtest.Cluster), start func(context.Context, *pgtest.Cluster) error) {
	const app = "reliability-fault"
	url := c.AgentURL
	if bounce {
		url = c.BouncerURL
	}
	g0 := runtime.NumGoroutine()
	h := newHandler(url+"&application_name="+app, map[string]string{
		"POOL_SIZE": "4", "ACQUIRE_TIMEOUT_MS": "500", "QUERY_TIMEOUT_MS": "2000",
	})
	closed := false
	defer func() {
		if !closed {
			h.Close()
		}
	}()
	// Warm the pool to its size, then take the baseline.
	var wg sync.WaitGroup
	for i := 0; i < faultPool; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := serve(h, http.MethodPost, "/v1/query", queryBody("SELECT pg_sleep(0.05)")); r.status != http.StatusOK {
				t.Errorf("warm-up: %d %s %s", r.status, r.code, r.msg)
			}
		}()
	}
	wg.Wait()
	time.Sleep(50 * time.Millisecond)
	g1 := runtime.NumGoroutine()

	// Load: more workers than connections, short queries that stay in flight.
	const workers = 8
	var (
		mu      sync.Mutex
		results []result
	)
	stopLoad := make(chan struct{})
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for {
				select {
				case <-stopLoad:
					return
				default:
				}
				r := serve(h, http.MethodPost, "/v1/query", queryBody("SELECT pg_sleep(0.02), count(*) FROM orders WHERE customer_id = $1", i))
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
				if r.status != http.StatusOK {
					time.Sleep(10 * time.Millisecond) // a client honouring Retry-After would wait longer
				}
			}
		}(i)
	}
	type window struct{ down, back time.Time }
	var windows []window
	for i := 0; i < cycles; i++ {
		time.Sleep(phase)
		w := window{down: time.Now()}
		stop(c)
		time.Sleep(phase)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := start(ctx, c)
		cancel()
		if err != nil {
			close(stopLoad)
			wg.Wait()
			t.Fatalf("restart: %v", err)
		}
		w.back = time.Now()
		windows = append(windows, w)
	}
	time.Sleep(2*phase + settle)
	close(stopLoad)
	wg.Wait()

	// Every answer is a 200 or a fast, retryable 503.
	var ok, unavailable int
	var slowest503 time.Duration
	codes := map[string]int{}
	for _, r := range results {
		if r.dur() > faultBudget {
			t.Errorf("a request took %v, past its %v budget (status %d %s)", r.dur(), faultBudget, r.status, r.code)
		}
		switch r.status {
		case http.StatusOK:
			ok++
		case http.StatusServiceUnavailable:
			unavailable++
			codes[r.code]++
			slowest503 = max(slowest503, r.dur())
			if r.retryAfter == "" {
				t.Errorf("503 %s without Retry-After", r.code)
			}
		default:
			t.Errorf("status %d %s: %s (want 200 or 503)", r.status, r.code, r.msg)
		}
	}
	if unavailable == 0 {
		t.Error("no request failed: the fault did not happen")
	}
	// Recovery: the last failure that started after the server was back,
	// and the first success after it.
	for i, w := range windows {
		end := time.Now()
		if i+1 < len(windows) {
			end = windows[i+1].down
		}
		var lastFail, firstOK time.Duration = 0, -1
		for _, r := range results {
			// Only requests sent after the server was back and answered
			// before the next fault belong to this recovery.
			if r.start.Before(w.back) || !r.end.Before(end) {
				continue
			}
			d := r.end.Sub(w.back)
			if r.status != http.StatusOK {
				lastFail = max(lastFail, d)
			} else if firstOK < 0 || d < firstOK {
				firstOK = d
			}
		}
		if firstOK < 0 {
			t.Errorf("cycle %d: no request succeeded after the server was back", i+1)
		}
		if lastFail > recoveryBound+settle {
			t.Errorf("cycle %d: requests still failed %v after the server was back", i+1, lastFail)
		}
		report(t, "cycle %d: down %v; after the server was back: first success at %v, last failure at %v",
			i+1, w.back.Sub(w.down).Round(time.Millisecond), firstOK.Round(time.Millisecond), lastFail.Round(time.Millisecond))
	}
	sort.Slice(results, func(i, j int) bool { return results[i].dur() < results[j].dur() })
	report(t, "%d requests: %d ok, %d 503 %v; slowest 503 %v (budget %v)",
		len(results), ok, unavailable, codes, slowest503.Round(time.Millisecond), faultBudget)

	// No leaks: the pool gives every connection back, the server holds no
	// more than the pool size, and the goroutines settle.
	p, r := readyPool(t, h)
	if r.status != http.StatusOK {
		t.Fatalf("/ready after the load: %d %s %s", r.status, r.code, r.msg)
	}
	if p.Acquired != 0 || p.Total > faultPool {
		t.Errorf("pool after the load: %+v; want 0 acquired, at most %d in total", p, faultPool)
	}
	if bounce {
		if n := bouncerClients(t, c.BouncerURL); n > faultPool {
			t.Errorf("PgBouncer holds %d agent clients, more than the pool's %d", n, faultPool)
		}
	} else if n := backendsOf(t, c.OwnerURL, app); n > faultPool {
		t.Errorf("PostgreSQL holds %d connections of the app, more than the pool's %d", n, faultPool)
	}
	settleGoroutines(t, g1, "after the load, handler open")
	h.Close()
	closed = true
	settleGoroutines(t, g0, "after Close")
	if bounce {
		if !waitFor(func() bool { return bouncerClients(t, c.BouncerURL) == 0 }) {
			t.Errorf("PgBouncer still holds agent clients after Close")
		}
	} else if !waitFor(func() bool { return backendsOf(t, c.OwnerURL, app) == 0 }) {
		t.Errorf("PostgreSQL still holds the app's connections after Close")
	}
}
