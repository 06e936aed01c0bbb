package connector

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPerKeyConcurrencyCap holds one key's only slot with a query blocked
// on a lock: the same key's next request, REST or MCP, is a 429 with
// Retry-After at once, while another key is served; when the query ends,
// the slot is back.
func TestPerKeyConcurrencyCap(t *testing.T) {
	const other = "other-key-0123456789abcdef"
	for _, tg := range targets() {
		t.Run(tg.name, func(t *testing.T) {
			h, _ := newTestHandler(t, tg.url, map[string]string{"API_KEYS": testKey + "," + other, "MAX_CONCURRENT_PER_KEY": "1", "POOL_SIZE": "4"})
			ctx := context.Background()
			owner, tx := lockOrders(t)
			blocked := make(chan response, 1)
			go func() { blocked <- query(h, map[string]any{"sql": "SELECT count(*) FROM orders"}) }()
			if !waitUntil(func() bool { return lockWaiters(t, owner) == 1 }) {
				t.Fatal("the first query never reached the lock")
			}
			r := query(h, map[string]any{"sql": "SELECT 1"})
			if r.status != http.StatusTooManyRequests || r.errCode(t) != CodeTooManyRequests || r.header.Get("Retry-After") == "" {
				t.Errorf("second request of a key at its cap = %d %v %s", r.status, r.header, r.body)
			}
			if msg := r.json(t)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "MAX_CONCURRENT_PER_KEY") {
				t.Errorf("message does not name the setting: %q", msg)
			}
			mcpHdr := map[string]string{"Authorization": "Bearer " + testKey, "Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
			if m := do(h, http.MethodPost, "/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`), mcpHdr); m.status != http.StatusTooManyRequests {
				t.Errorf("MCP request of a key at its cap = %d %s", m.status, m.body)
			}
			otherHdr := map[string]string{"Authorization": "Bearer " + other, "Content-Type": "application/json"}
			if o := do(h, http.MethodPost, "/v1/query", strings.NewReader(`{"sql":"SELECT 1"}`), otherHdr); o.status != http.StatusOK {
				t.Errorf("another key while the first is at its cap = %d %s", o.status, o.body)
			}
			if err := tx.Rollback(ctx); err != nil {
				t.Fatal(err)
			}
			if b := <-blocked; b.status != http.StatusOK {
				t.Errorf("the blocked query = %d %s", b.status, b.body)
			}
			if r := query(h, map[string]any{"sql": "SELECT 1"}); r.status != http.StatusOK {
				t.Errorf("after the slot came back = %d %s", r.status, r.body)
			}
		})
	}
}

// lockOrders holds an ACCESS EXCLUSIVE lock on orders, as the owner, until
// the test ends, so an agent query on orders waits where the test can see
// it (lockWaiters) and act on it through the returned connection; rolling
// back the returned transaction releases the lock early.
func lockOrders(t *testing.T) (*pgx.Conn, pgx.Tx) {
	t.Helper()
	ctx := context.Background()
	owner, err := pgx.Connect(ctx, cluster.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Close(ctx) })
	tx, err := owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(ctx) })
	if _, err := tx.Exec(ctx, "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	return owner, tx
}

func lockWaiters(t *testing.T, owner *pgx.Conn) int {
	t.Helper()
	var n int
	if err := owner.QueryRow(context.Background(), "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'orders'::regclass").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func waitUntil(cond func() bool) bool {
	for i := 0; i < 500; i++ {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func TestPerKeyDefault(t *testing.T) {
	for _, c := range []struct{ pool, keys, want int }{{4, 1, maxPerKeyCeiling}, {4, 2, 2}, {1, 1, maxPerKeyCeiling}, {1, 3, 1}, {5, 2, 2}, {10, 3, 5}} {
		env := map[string]string{"DATABASE_URL": "postgres://agent@db/postgres"}
		env["POOL_SIZE"] = strconv.Itoa(c.pool)
		var keys []string
		for i := 0; i < c.keys; i++ {
			keys = append(keys, testKey+strconv.Itoa(i))
		}
		env["API_KEYS"] = strings.Join(keys, ",")
		cfg, err := LoadConfig(func(k string) string { return env[k] }, 1)
		if err != nil || cfg.MaxConcurrentPerKey != c.want {
			t.Errorf("pool %d, %d keys: MaxConcurrentPerKey %d (%v), want %d", c.pool, c.keys, cfg.MaxConcurrentPerKey, err, c.want)
		}
	}
}
