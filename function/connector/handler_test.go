package connector

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestHealthTouchesNothing(t *testing.T) {
	var reads atomic.Int32
	var builds atomic.Int32
	h := NewHandler(Options{
		Logger: newDiscardLogger(),
		Getenv: func(string) string { reads.Add(1); return "" },
		ConfigurePool: func(context.Context, *pgxpool.Config) error {
			builds.Add(1)
			return nil
		},
	})
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		r := do(h, m, "/health", nil, nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s /health = %d", m, r.status)
		}
	}
	if got := string(do(h, http.MethodGet, "/health", nil, nil).body); got != `{"status":"healthy"}` {
		t.Errorf("body = %s", got)
	}
	if n := reads.Load(); n != 0 {
		t.Errorf("/health read %d configuration values", n)
	}
	if builds.Load() != 0 || h.app.cur.Load() != nil {
		t.Error("/health built the app")
	}
}

func TestHealthOpensNoConnection(t *testing.T) {
	const app = "health-probe"
	h, _ := newTestHandler(t, cluster.AgentURL+"&application_name="+app, nil)
	for i := 0; i < 5; i++ {
		do(h, http.MethodGet, "/health", nil, nil)
	}
	if n := backends(t, app); n != 0 {
		t.Errorf("/health opened %d database connections", n)
	}
	// The same handler does connect for /ready, so the probe can see it.
	if r := do(h, http.MethodGet, "/ready", nil, nil); r.status != http.StatusOK {
		t.Fatalf("/ready = %d %s", r.status, r.body)
	}
	if n := backends(t, app); n != 1 {
		t.Errorf("after /ready: %d connections, want 1", n)
	}
}

func backends(t *testing.T, app string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, cluster.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReady(t *testing.T) {
	for _, tg := range targets() {
		t.Run(tg.name, func(t *testing.T) {
			h, _ := newTestHandler(t, tg.url, nil)
			// Without a key: ready or not, nothing more.
			r := do(h, http.MethodGet, "/ready", nil, nil)
			if r.status != http.StatusOK || string(r.body) != `{"status":"ready"}` {
				t.Fatalf("/ready without a key = %d %s", r.status, r.body)
			}
			if r := do(h, http.MethodGet, "/ready", nil, map[string]string{"Authorization": "Bearer not-a-key-0123456789"}); r.status != http.StatusUnauthorized {
				t.Errorf("/ready with a wrong key = %d %s", r.status, r.body)
			}
			r = do(h, http.MethodGet, "/ready", nil, authJSON)
			if r.status != http.StatusOK {
				t.Fatalf("/ready = %d %s", r.status, r.body)
			}
			m := r.json(t)
			pool := m["pool"].(map[string]any)
			if pool["max"].(float64) != 4 || pool["total"].(float64) != 1 {
				t.Errorf("pool stats = %v", pool)
			}
			inst := m["instance"].(map[string]any)
			if inst["cold_start"] != false || inst["platform"] != "test" || inst["init_ms"].(float64) <= 0 {
				t.Errorf("instance stats = %v", inst)
			}
			if inst["requests"] != float64(3) {
				t.Errorf("requests = %v, want 3", inst["requests"])
			}
		})
	}
}

func TestReadyDatabaseDown(t *testing.T) {
	// Nothing listens on port 1: the connection is refused at once.
	h, _ := newTestHandler(t, "postgres://agent@127.0.0.1:1/postgres?sslmode=disable", nil)
	r := do(h, http.MethodGet, "/ready", nil, nil)
	if r.status != http.StatusServiceUnavailable || r.errCode(t) != "database_unavailable" {
		t.Fatalf("/ready = %d %s", r.status, r.body)
	}
	if r.header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	q := query(h, map[string]any{"sql": "SELECT 1"})
	if q.status != http.StatusServiceUnavailable {
		t.Errorf("query with the database down = %d %s", q.status, q.body)
	}
}

func TestQueryResults(t *testing.T) {
	for _, tg := range targets() {
		t.Run(tg.name, func(t *testing.T) {
			h, _ := newTestHandler(t, tg.url, nil)
			r := query(h, map[string]any{
				"sql":    "SELECT id, name, active, balance, meta, created_at, NULL::text AS nothing FROM customers WHERE id = $1 OR name = $2 ORDER BY id",
				"params": []any{10, "Customer 3"},
			})
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			want := `{"columns":[{"name":"id","type":"int4"},{"name":"name","type":"text"},{"name":"active","type":"bool"},{"name":"balance","type":"numeric"},{"name":"meta","type":"jsonb"},{"name":"created_at","type":"timestamptz"},{"name":"nothing","type":"text"}],` +
				`"rows":[[3,"Customer 3",true,39.25,{"tier": "basic"},"2026-01-01 03:00:00+00",null],[10,"Customer 10",true,130.25,{"tier": "gold"},"2026-01-01 10:00:00+00",null]],"row_count":2,"truncated":false}`
			if string(r.body) != want {
				t.Errorf("body\n got %s\nwant %s", r.body, want)
			}
			for _, c := range []struct {
				name string
				req  map[string]any
				want string
			}{
				{"array param", map[string]any{"sql": "SELECT count(*) AS n FROM customers WHERE id = ANY($1)", "params": []any{[]any{1, 2, 3, 999}}}, `"rows":[[3]]`},
				{"float and text", map[string]any{"sql": "SELECT $1::float8 * 2 AS x, $2::text || 'b' AS y", "params": []any{1.25, "a\"\n"}}, `"rows":[[2.5,"a\"\nb"]]`},
				{"null and bool", map[string]any{"sql": "SELECT $1::int IS NULL AS a, $2::bool AS b", "params": []any{nil, false}}, `"rows":[[true,false]]`},
				{"NaN stays a string", map[string]any{"sql": "SELECT 'NaN'::numeric AS n, '-Infinity'::float8 AS f"}, `"rows":[["NaN","-Infinity"]]`},
				{"VALUES", map[string]any{"sql": "VALUES (1, 'a'), (2, 'b');"}, `"rows":[[1,"a"],[2,"b"]]`},
				{"view", map[string]any{"sql": "TABLE customer_totals ORDER BY id LIMIT 1"}, `"rows":[[1,"Customer 1",`},
				{"trailing comment", map[string]any{"sql": "SELECT 1 AS one -- done"}, `"rows":[[1]]`},
			} {
				r := query(h, c.req)
				if r.status != http.StatusOK || !strings.Contains(string(r.body), c.want) {
					t.Errorf("%s: %d %s; want it to contain %s", c.name, r.status, r.body, c.want)
				}
			}
			if st := r.header.Get("Server-Timing"); !strings.Contains(st, "db-acquire;dur=") || !strings.Contains(st, "db-query;dur=") || !strings.Contains(st, "init;dur=") {
				t.Errorf("Server-Timing = %q", st)
			}
		})
	}
}

func TestRowAndByteCaps(t *testing.T) {
	for _, tg := range targets() {
		t.Run(tg.name, func(t *testing.T) {
			h, _ := newTestHandler(t, tg.url, map[string]string{"MAX_ROWS": "50", "MAX_RESULT_BYTES": "4096"})
			r := query(h, map[string]any{"sql": "SELECT g FROM generate_series(1, 100000) g", "max_rows": 10})
			m := r.json(t)
			if r.status != http.StatusOK || m["truncated"] != true || m["truncated_reason"] != "max_rows" || len(m["rows"].([]any)) != 10 {
				t.Fatalf("max_rows 10: %d %v rows=%d", r.status, m["truncated_reason"], len(m["rows"].([]any)))
			}
			// A request cannot raise the configured cap.
			m = query(h, map[string]any{"sql": "SELECT g FROM generate_series(1, 1000) g", "max_rows": 500}).json(t)
			if m["truncated"] != true || m["truncated_reason"] != "max_rows" || len(m["rows"].([]any)) != 50 {
				t.Errorf("max_rows over the cap: truncated=%v %v rows=%d", m["truncated"], m["truncated_reason"], len(m["rows"].([]any)))
			}
			// Exactly the cap is not truncated.
			m = query(h, map[string]any{"sql": "SELECT g FROM generate_series(1, 50) g"}).json(t)
			if _, has := m["truncated_reason"]; m["truncated"] != false || has || len(m["rows"].([]any)) != 50 {
				t.Errorf("exactly 50 rows: truncated=%v rows=%d", m["truncated"], len(m["rows"].([]any)))
			}
			// Big rows are cut by bytes, and the answer stays valid JSON.
			r = query(h, map[string]any{"sql": "SELECT repeat('x', 1000) FROM generate_series(1, 40)"})
			m = r.json(t)
			if m["truncated"] != true || m["truncated_reason"] != "max_result_bytes" || len(r.body) > 4096+100 {
				t.Errorf("byte cap: truncated=%v %v body=%d bytes", m["truncated"], m["truncated_reason"], len(r.body))
			}
			// One row over the byte cap on its own.
			m = query(h, map[string]any{"sql": "SELECT repeat('x', 5000)"}).json(t)
			if m["truncated"] != true || m["truncated_reason"] != "row_too_large" || m["row_count"] != float64(0) {
				t.Errorf("one row over the byte cap: %v", m)
			}
		})
	}
}

func TestSchema(t *testing.T) {
	for _, tg := range targets() {
		t.Run(tg.name, func(t *testing.T) {
			h, _ := newTestHandler(t, tg.url, map[string]string{"DB_SCHEMAS": "public, private"})
			r := do(h, http.MethodGet, "/v1/schema", nil, authJSON)
			if r.status != http.StatusOK {
				t.Fatalf("%d %s", r.status, r.body)
			}
			body := string(r.body)
			for _, want := range []string{`"name":"customers","kind":"table"`, `"name":"customer_totals","kind":"view"`, `{"name":"balance","type":"numeric","nullable":false}`, `{"name":"email","type":"text","nullable":true}`} {
				if !strings.Contains(body, want) {
					t.Errorf("schema lacks %s", want)
				}
			}
			if strings.Contains(body, "api_secrets") {
				t.Error("schema shows a table the agent cannot read")
			}
			if r2 := do(h, http.MethodGet, "/v1/schema", nil, authJSON); !bytes.Equal(r2.body, r.body) {
				t.Error("cached schema differs")
			}
			if r := do(h, http.MethodGet, "/v1/schema", nil, nil); r.status != http.StatusUnauthorized {
				t.Errorf("schema without a key = %d", r.status)
			}
		})
	}
}

// TestBadInput sends every class of bad request and checks the status, the
// error code, and that the database is exactly as before.
func TestBadInput(t *testing.T) {
	type bad struct {
		name   string
		method string
		header map[string]string
		body   string
		status int
		code   string
	}
	q := func(sql string) string { return fmt.Sprintf(`{"sql":%q}`, sql) }
	cases := []bad{
		{"insert", "", nil, q("INSERT INTO customers (id, name, created_at) VALUES (9999, 'x', now())"), 400, "statement_not_allowed"},
		{"update", "", nil, q("UPDATE customers SET name = 'x'"), 400, "statement_not_allowed"},
		{"delete", "", nil, q("DELETE FROM orders"), 400, "statement_not_allowed"},
		{"ddl drop", "", nil, q("DROP TABLE customers"), 400, "statement_not_allowed"},
		{"ddl create", "", nil, q("CREATE TABLE x (a int)"), 400, "statement_not_allowed"},
		{"several statements", "", nil, q("SELECT 1; DELETE FROM orders"), 400, "statement_not_allowed"},
		{"set role", "", nil, q("SET ROLE postgres"), 400, "statement_not_allowed"},
		{"set read write", "", nil, q("SET TRANSACTION READ WRITE"), 400, "statement_not_allowed"},
		{"reset", "", nil, q("RESET ALL"), 400, "statement_not_allowed"},
		{"copy to program", "", nil, q("COPY customers TO PROGRAM 'touch /tmp/pwned'"), 400, "statement_not_allowed"},
		{"copy out", "", nil, q("COPY (SELECT 1) TO STDOUT"), 400, "statement_not_allowed"},
		{"listen", "", nil, q("LISTEN events"), 400, "statement_not_allowed"},
		{"notify", "", nil, q("NOTIFY events, 'x'"), 400, "statement_not_allowed"},
		{"notify function", "", nil, q("SELECT pg_notify('events', 'x')"), 400, "function_not_allowed"},
		{"set_config", "", nil, q("SELECT set_config('default_transaction_read_only', 'off', false)"), 400, "function_not_allowed"},
		{"writing cte", "", nil, q("WITH d AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM d"), 400, "statement_not_allowed"},
		{"select into", "", nil, q("SELECT * INTO stolen FROM customers"), 400, "statement_not_allowed"},
		{"user-defined function", "", nil, q("SELECT record_visit('agent was here')"), 400, "function_not_allowed"},
		{"private schema", "", nil, q("SELECT * FROM private.api_secrets"), 403, "permission_denied"},
		{"syntax error", "", nil, q("SELECT FROM WHERE"), 400, "sql_error"},
		{"unknown table", "", nil, q("SELECT * FROM nope"), 400, "sql_error"},
		{"params mismatch", "", nil, `{"sql":"SELECT $1::int","params":[]}`, 400, "invalid_params"},
		{"object param", "", nil, `{"sql":"SELECT $1::jsonb","params":[{"a":1}]}`, 400, "invalid_params"},
		{"nested array param", "", nil, `{"sql":"SELECT $1::int[]","params":[[[1]]]}`, 400, "invalid_params"},
		{"param of wrong type", "", nil, `{"sql":"SELECT * FROM customers WHERE id = $1","params":["abc"]}`, 400, "sql_error"},
		{"max_rows zero", "", nil, `{"sql":"SELECT 1","max_rows":0}`, 400, "invalid_request"},
		{"malformed json", "", nil, `{"sql": "SELECT 1"`, 400, "invalid_json"},
		{"not an object", "", nil, `["SELECT 1"]`, 400, "invalid_json"},
		{"unknown field", "", nil, `{"sql":"SELECT 1","database":"other"}`, 400, "invalid_json"},
		{"two values", "", nil, `{"sql":"SELECT 1"} {"sql":"SELECT 2"}`, 400, "invalid_json"},
		{"missing sql", "", nil, `{}`, 400, "invalid_request"},
		{"NUL in the sql", "", nil, `{"sql":"SELECT 1 AS a\u0000"}`, 400, "invalid_request"},
		{"invalid utf-8", "", nil, "{\"sql\":\"SELECT '\xff\xfe'\"}", 400, "invalid_json"},
		{"deeply nested", "", nil, `{"sql":"SELECT 1","params":[` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `]}`, 400, "invalid_json"},
		{"oversized body", "", nil, `{"sql":"SELECT '` + strings.Repeat("a", 300<<10) + `'"}`, 413, "body_too_large"},
		{"wrong content type", "", map[string]string{"Authorization": "Bearer " + testKey, "Content-Type": "text/plain"}, q("SELECT 1"), 415, "unsupported_media_type"},
		{"no content type", "", map[string]string{"Authorization": "Bearer " + testKey}, q("SELECT 1"), 415, "unsupported_media_type"},
		{"missing key", "", map[string]string{"Content-Type": "application/json"}, q("SELECT 1"), 401, "unauthorized"},
		{"wrong key", "", map[string]string{"Authorization": "Bearer test-key-0123456789abcdeX", "Content-Type": "application/json"}, q("SELECT 1"), 401, "unauthorized"},
		{"basic auth", "", map[string]string{"Authorization": "Basic dGVzdDp0ZXN0", "Content-Type": "application/json"}, q("SELECT 1"), 401, "unauthorized"},
		{"wrong method", http.MethodGet, nil, "", 405, "method_not_allowed"},
	}
	for _, tg := range targets() {
		t.Run(tg.name, func(t *testing.T) {
			h, _ := newTestHandler(t, tg.url, nil)
			before := checksum(t)
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					method, header := c.method, c.header
					if method == "" {
						method = http.MethodPost
					}
					if header == nil {
						header = authJSON
					}
					r := do(h, method, "/v1/query", strings.NewReader(c.body), header)
					if r.status != c.status {
						t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
					}
					if code := r.errCode(t); code != c.code {
						t.Errorf("code %q, want %q: %s", code, c.code, r.body)
					}
				})
			}
			if after := checksum(t); after != before {
				t.Fatal("the database changed")
			}
			// The connection is still good after all that.
			if r := query(h, map[string]any{"sql": "SELECT 1"}); r.status != http.StatusOK {
				t.Errorf("query after bad input = %d %s", r.status, r.body)
			}
		})
	}
}

// TestReadOnlyHoldsForSuperuser runs as the superuser, whom no privilege
// stops, so only the READ ONLY transaction stands between a writing function
// and the data. The screener refuses user-defined functions, so the
// statements go to the core's run, past it.
func TestReadOnlyHoldsForSuperuser(t *testing.T) {
	h, _ := newTestHandler(t, cluster.OwnerURL, map[string]string{"ALLOW_PRIVILEGED_ROLE": "true"})
	a, _, err := h.app.get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	before := checksum(t)
	for _, sql := range []string{"SELECT record_visit('superuser')", "SELECT count(*) FROM (SELECT record_visit('x')) s"} {
		if _, e := a.run(context.Background(), sql, nil, 10); e == nil || e.Code != CodeReadOnly {
			t.Errorf("%s: %v", sql, e)
		}
	}
	if checksum(t) != before {
		t.Fatal("the database changed")
	}
}

func TestQueryTimeoutCancelsOnServer(t *testing.T) {
	for _, tg := range targets() {
		t.Run(tg.name, func(t *testing.T) {
			const app = "timeout-probe"
			h, _ := newTestHandler(t, tg.url+"&application_name="+app, map[string]string{"QUERY_TIMEOUT_MS": "200"})
			r := query(h, map[string]any{"sql": "SELECT pg_sleep(30)"})
			if r.status != http.StatusUnprocessableEntity || r.errCode(t) != "query_timeout" {
				t.Fatalf("%d %s", r.status, r.body)
			}
			// The sleep must be gone on the server, not left running.
			if n := activeSleeps(t); n != 0 {
				t.Errorf("%d pg_sleep queries still active on the server", n)
			}
			if r := query(h, map[string]any{"sql": "SELECT 1"}); r.status != http.StatusOK {
				t.Errorf("next query = %d %s", r.status, r.body)
			}
		})
	}
}

func activeSleeps(t *testing.T) int {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, cluster.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()").Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotFoundAndMethods(t *testing.T) {
	h, _ := newTestHandler(t, cluster.AgentURL, nil)
	if r := do(h, http.MethodGet, "/nope", nil, nil); r.status != 404 || r.errCode(t) != "not_found" {
		t.Errorf("/nope = %d %s", r.status, r.body)
	}
	r := do(h, http.MethodPost, "/health", nil, nil)
	if r.status != 405 || r.header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /health = %d Allow=%q", r.status, r.header.Get("Allow"))
	}
}

func TestKeyRotation(t *testing.T) {
	const next = "next-key-abcdefghijklmnop"
	h, _ := newTestHandler(t, cluster.AgentURL, map[string]string{"API_KEYS": testKey + " , " + next})
	for _, k := range []string{testKey, next} {
		r := do(h, http.MethodPost, "/v1/query", strings.NewReader(`{"sql":"SELECT 1"}`),
			map[string]string{"Authorization": "Bearer " + k, "Content-Type": "application/json"})
		if r.status != http.StatusOK {
			t.Errorf("key %q…: %d", k[:4], r.status)
		}
	}
}

func TestInitOnceUnderConcurrentFirstRequests(t *testing.T) {
	var builds atomic.Int32
	vars := map[string]string{"DATABASE_URL": cluster.AgentURL, "API_KEYS": testKey}
	h := NewHandler(Options{
		Logger: newDiscardLogger(),
		Getenv: func(k string) string { return vars[k] },
		ConfigurePool: func(context.Context, *pgxpool.Config) error {
			builds.Add(1)
			time.Sleep(20 * time.Millisecond) // widen the window for a racing second build
			return nil
		},
	})
	defer h.Close()
	var wg sync.WaitGroup
	statuses := make([]int, 16)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = query(h, map[string]any{"sql": "SELECT 1"}).status
		}()
	}
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Errorf("app built %d times, want 1", n)
	}
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Errorf("request %d: %d", i, s)
		}
	}
}

func TestInitFailureIsRetried(t *testing.T) {
	var mu sync.Mutex
	vars := map[string]string{"API_KEYS": testKey} // no DATABASE_URL yet
	h := NewHandler(Options{Logger: newDiscardLogger(), Getenv: func(k string) string {
		mu.Lock()
		defer mu.Unlock()
		return vars[k]
	}})
	defer h.Close()
	r := query(h, map[string]any{"sql": "SELECT 1"})
	if r.status != http.StatusServiceUnavailable || r.errCode(t) != "not_ready" {
		t.Fatalf("unconfigured: %d %s", r.status, r.body)
	}
	if strings.Contains(string(r.body), "DATABASE_URL") {
		t.Error("the configuration detail leaked to the caller")
	}
	mu.Lock()
	vars["DATABASE_URL"] = cluster.AgentURL
	mu.Unlock()
	if r := query(h, map[string]any{"sql": "SELECT 1"}); r.status != http.StatusOK {
		t.Errorf("after fixing the config: %d %s", r.status, r.body)
	}
}

func TestLogsAndColdStartWarning(t *testing.T) {
	h, logs := newTestHandler(t, cluster.AgentURL, map[string]string{"COLD_START_WARN_MS": "1"})
	h.opts.ConfigurePool = func(context.Context, *pgxpool.Config) error { time.Sleep(5 * time.Millisecond); return nil }
	query(h, map[string]any{"sql": "SELECT 1"})
	do(h, http.MethodGet, "/health", nil, nil)
	lines := logs.lines(t)
	var requests []map[string]any
	warned := false
	for _, l := range lines {
		switch l["msg"] {
		case "request":
			requests = append(requests, l)
		case "slow cold start":
			warned = l["level"] == "WARN"
		}
	}
	if !warned {
		t.Error("no slow cold start warning")
	}
	if len(requests) != 2 {
		t.Fatalf("%d request log lines, want 2: %v", len(requests), lines)
	}
	first, second := requests[0], requests[1]
	if first["cold_start"] != true || first["status"].(float64) != 200 || first["init_ms"].(float64) < 5 || first["path"] != "/v1/query" {
		t.Errorf("first request log = %v", first)
	}
	if second["cold_start"] != false || second["init_ms"].(float64) != 0 {
		t.Errorf("second request log = %v", second)
	}
	for _, l := range lines {
		for _, v := range l {
			if s, ok := v.(string); ok && strings.Contains(s, testKey) {
				t.Errorf("a log line holds the API key: %v", l)
			}
		}
	}
}

// TestDeadConnectionAfterIdle kills the pooled connection on the server, as
// a frozen Lambda environment finds on thaw; the next request must not fail.
func TestDeadConnectionAfterIdle(t *testing.T) {
	const app = "idle-probe"
	h, _ := newTestHandler(t, cluster.AgentURL+"&application_name="+app, map[string]string{"POOL_SIZE": "1"})
	if r := query(h, map[string]any{"sql": "SELECT 1"}); r.status != http.StatusOK {
		t.Fatal(r.status)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, cluster.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", app); err != nil {
		t.Fatal(err)
	}
	time.Sleep(stalePooledConn + 100*time.Millisecond)
	if r := query(h, map[string]any{"sql": "SELECT 2"}); r.status != http.StatusOK {
		t.Errorf("after the server dropped the idle connection: %d %s", r.status, r.body)
	}
}

// TestHugeValueIsNotBuffered sends one value far past the byte cap: the
// answer is cut as usual, and the value is never read into memory whole
// (pgx reads a row message at once, so only a bound on the message size
// keeps a 64 MB value out of the heap; PostgreSQL allows 1 GB).
func TestHugeValueIsNotBuffered(t *testing.T) {
	for _, tg := range targets() {
		t.Run(tg.name, func(t *testing.T) {
			h, _ := newTestHandler(t, tg.url, map[string]string{"MAX_RESULT_BYTES": "1048576"})
			if r := query(h, map[string]any{"sql": "SELECT 1"}); r.status != http.StatusOK {
				t.Fatalf("warm-up: %d %s", r.status, r.body)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			r := query(h, map[string]any{"sql": "SELECT repeat('x', 64 << 20) AS big"})
			runtime.ReadMemStats(&after)
			if r.status != http.StatusOK || r.json(t)["truncated_reason"] != "row_too_large" {
				t.Fatalf("%d %s", r.status, r.body)
			}
			// A size budget, not a timing: the 64 MB value must not be allocated.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("the request allocated %d MiB for a 64 MiB value past a 1 MiB cap", alloc>>20)
			}
			if r := query(h, map[string]any{"sql": "SELECT 2"}); r.status != http.StatusOK {
				t.Errorf("next query: %d %s", r.status, r.body)
			}
		})
	}
}

// TestReadyNamesConnectionLimit: when the server refuses a connection for
// its connection limit (a scale-out storm), /ready says the database is
// busy and why, not that it is unreachable. A role with CONNECTION LIMIT 0
// gets the same refusal (SQLSTATE 53300) as a server at max_connections.
func TestReadyNamesConnectionLimit(t *testing.T) {
	ctx := context.Background()
	owner, err := pgx.Connect(ctx, cluster.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	if _, err := owner.Exec(ctx, "CREATE ROLE ready_limited LOGIN CONNECTION LIMIT 0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = owner.Exec(context.Background(), "DROP ROLE ready_limited") })
	url := strings.Replace(cluster.AgentURL, "agent@", "ready_limited@", 1)
	h, _ := newTestHandler(t, url, nil)
	r := do(h, http.MethodGet, "/ready", nil, nil)
	if r.status != http.StatusServiceUnavailable || r.errCode(t) != "database_busy" || r.header.Get("Retry-After") == "" {
		t.Fatalf("/ready at the connection limit = %d %s (Retry-After %q)", r.status, r.body, r.header.Get("Retry-After"))
	}
	// The server's words need a key (without one: the code only).
	r = do(h, http.MethodGet, "/ready", nil, authJSON)
	if msg := r.json(t)["error"].(map[string]any)["message"].(string); r.errCode(t) != "database_busy" || !strings.Contains(msg, "too many connections") {
		t.Errorf("message %q does not name the limit", msg)
	}
}

// TestSchemaWaitersGiveUp: with a database that accepts connections but never
// answers, concurrent /v1/schema calls must not queue behind one another: a
// request waiting for the one refreshing the cache gives up after
// ACQUIRE_TIMEOUT_MS with a 503 of its own.
func TestSchemaWaitersGiveUp(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // accepted, never answered
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	}()
	h, _ := newTestHandler(t, "postgres://agent@"+l.Addr().String()+"/postgres?sslmode=disable", map[string]string{"ACQUIRE_TIMEOUT_MS": "300"})
	const n = 8
	codes := make([]string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(h, http.MethodGet, "/v1/schema", nil, authJSON)
			if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
				t.Errorf("schema with a silent database: %d Retry-After=%q %s", r.status, r.header.Get("Retry-After"), r.body)
				return
			}
			codes[i] = r.errCode(t)
		}()
	}
	wg.Wait()
	if !slices.Contains(codes, "database_busy") {
		t.Errorf("no request gave up waiting for the schema refresh: %v", codes)
	}
}
