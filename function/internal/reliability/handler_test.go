package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/function/connector"
	"github.com/jackc/pgx/v5"
)

// newHandler builds an in-process handler (so the test can count its
// goroutines) whose environment is env over the database URL and key.
func newHandler(url string, env map[string]string) *connector.Handler {
	vars := map[string]string{"DATABASE_URL": url, "API_KEYS": testKey}
	for k, v := range env {
		vars[k] = v
	}
	return connector.NewHandler(connector.Options{
		Platform: "reliability",
		Logger:   slog.New(slog.DiscardHandler),
		Getenv:   func(k string) string { return vars[k] },
	})
}

// result is one request's outcome.
type result struct {
	start, end time.Time
	status     int
	code       string
	msg        string
	retryAfter string
}

func (r result) dur() time.Duration { return r.end.Sub(r.start) }

// serve sends one request straight to the handler.
func serve(h http.Handler, method, path, body string) result {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	r := result{start: time.Now()}
	h.ServeHTTP(rec, req)
	r.end = time.Now()
	r.status = rec.Code
	r.retryAfter = rec.Header().Get("Retry-After")
	if r.status != http.StatusOK {
		r.code, r.msg = errorOf(rec.Body.Bytes())
	}
	return r
}

func queryBody(sql string, params ...any) string {
	b, _ := json.Marshal(map[string]any{"sql": sql, "params": params})
	return string(b)
}

// poolStats reads the pool figures from /ready (with a key).
type poolStats struct {
	Max, Total, Idle, Acquired int
}

func readyPool(t *testing.T, h http.Handler) (poolStats, result) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/ready", nil)
	req.Header.Set("Authorization", "Bearer "+testKey) // the figures need a key
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var body struct {
		Pool poolStats `json:"pool"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	code, msg := errorOf(rec.Body.Bytes())
	return body.Pool, result{status: rec.Code, code: code, msg: msg}
}

// settleGoroutines waits up to 10 s for the goroutine count to drop to at
// most want, and fails with every goroutine's stack if it does not.
func settleGoroutines(t *testing.T, want int, what string) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	n := runtime.NumGoroutine()
	for n > want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	if n > want {
		var buf bytes.Buffer
		_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
		t.Errorf("%s: %d goroutines, want at most %d (leak):\n%s", what, n, want, buf.String())
	}
	return n
}

// backendsOf counts the server connections with this application_name.
func backendsOf(t *testing.T, ownerURL, app string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		t.Fatalf("connect as owner: %v", err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// bouncerClients counts PgBouncer's client connections of user agent, read
// from its admin console.
func bouncerClients(t *testing.T, bouncerURL string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := strings.Replace(strings.Replace(bouncerURL, "agent@", "postgres@", 1), "/postgres?", "/pgbouncer?", 1)
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol // the console speaks only that
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect to the PgBouncer console: %v", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SHOW CLIENTS")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		m, err := pgx.RowToMap(rows)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(m["user"]) == "agent" {
			n++
		}
	}
	return n
}

// waitFor polls cond for up to 10 s.
func waitFor(cond func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// report writes a figure both to the test log and, when RELIABILITY_REPORT
// names a file, appends it there (docs/reliability.md is written from it).
func report(t *testing.T, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	t.Log(line)
	if p := os.Getenv("RELIABILITY_REPORT"); p != "" {
		f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintf(f, "%s: %s\n", t.Name(), line)
			f.Close()
		}
	}
}

// activeQueries counts running statements whose text contains frag.
func activeQueries(t *testing.T, ownerURL, frag string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		t.Fatalf("connect as owner: %v", err)
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND strpos(query, $1) > 0 AND pid <> pg_backend_pid()", frag).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
