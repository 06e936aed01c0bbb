package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/function/pgtest"
)

// The package's tests run against one real PostgreSQL with a PgBouncer in
// transaction mode in front of it; there is no mock of the database.
var cluster *pgtest.Cluster

const testKey = "test-key-0123456789abcdef"

func TestMain(m *testing.M) {
	flag.Parse()
	// A fuzz worker runs only the fuzz target, which needs no database.
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		os.Exit(m.Run())
	}
	var err error
	cluster, err = pgtest.Start(context.Background(), pgtest.Options{PgBouncer: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start test cluster:", err)
		os.Exit(1)
	}
	code := m.Run()
	cluster.Stop()
	os.Exit(code)
}

// target is one way to reach the database.
type target struct{ name, url string }

func targets() []target {
	return []target{{"direct", cluster.AgentURL}, {"pgbouncer", cluster.BouncerURL}}
}

// logBuffer collects the handler's JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) lines(t *testing.T) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

// newTestHandler builds a handler whose environment is env over defaults.
func newTestHandler(t testing.TB, url string, env map[string]string) (*Handler, *logBuffer) {
	t.Helper()
	vars := map[string]string{"DATABASE_URL": url, "API_KEYS": testKey}
	for k, v := range env {
		vars[k] = v
	}
	logs := &logBuffer{}
	h := NewHandler(Options{
		Platform: "test",
		Logger:   slog.New(slog.NewJSONHandler(logs, nil)),
		Getenv:   func(k string) string { return vars[k] },
	})
	t.Cleanup(h.Close)
	return h, logs
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not JSON: %v: %q", err, r.body)
	}
	return m
}

func (r response) errCode(t *testing.T) string {
	t.Helper()
	e, ok := r.json(t)["error"].(map[string]any)
	if !ok {
		t.Fatalf("response has no error object: %s", r.body)
	}
	if msg, _ := e["message"].(string); msg == "" {
		t.Errorf("error %v has no message", e)
	}
	code, _ := e["code"].(string)
	return code
}

func do(h http.Handler, method, path string, body io.Reader, header map[string]string) response {
	req := httptest.NewRequest(method, path, body)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.Bytes()}
}

var authJSON = map[string]string{"Authorization": "Bearer " + testKey, "Content-Type": "application/json"}

func query(h http.Handler, req any) response {
	b, _ := json.Marshal(req)
	return do(h, http.MethodPost, "/v1/query", bytes.NewReader(b), authJSON)
}

// checksum fingerprints everything an agent could change (see
// pgtest.Cluster.Checksum, shared with the reliability tests).
func checksum(t *testing.T) string {
	t.Helper()
	sum, err := cluster.Checksum(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sum
}
