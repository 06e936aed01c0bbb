package connector

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// goInternals are words that only Go code, not an agent, should read.
var goInternals = regexp.MustCompile(`\bGo\b|struct|interface \{|\[\]\*?[a-z]|\*string|json: |pgconn|pgx|pgtype|unmarshal`)

// TestHonestErrors: what the statement caused is 4xx with PostgreSQL's
// SQLSTATE and no Retry-After; only a database that cannot serve now is a
// 503 with Retry-After. Each error is caused for real on the server.
func TestHonestErrors(t *testing.T) {
	// A role whose temp files are capped, as the stacks configure it.
	ownerExec(t, "CREATE ROLE err_agent LOGIN; GRANT SELECT ON customers TO err_agent; ALTER ROLE err_agent SET temp_file_limit = '256kB'")
	t.Cleanup(func() { ownerExec(t, "DROP OWNED BY err_agent; DROP ROLE err_agent") })
	cols := "SELECT " + strings.TrimSuffix(strings.Repeat("1,", 1700), ",")
	cases := []struct {
		name, sql           string
		status              int
		code, sqlstate, msg string
	}{
		{"division by zero", "SELECT 1/0", 400, CodeSQLError, "22012", "division by zero"},
		{"bad cast", "SELECT 'x'::int", 400, CodeSQLError, "22P02", "invalid input syntax"},
		{"undefined table", "SELECT * FROM nope", 400, CodeSQLError, "42P01", "does not exist"},
		{"undefined column", "SELECT nope FROM customers", 400, CodeSQLError, "42703", "does not exist"},
		{"temp_file_limit", "SELECT count(*) FROM (SELECT g FROM generate_series(1, 2000000) g ORDER BY g DESC) s", 422, CodeQueryTooLarge, "53400", "narrow the query"},
		{"array too large", "SELECT array_fill(1, ARRAY[200000000])", 422, CodeQueryTooLarge, "54000", "narrow the query"},
		{"too many columns", cols, 422, CodeQueryTooLarge, "54011", "1664"},
	}
	for _, tg := range targets() {
		url := asRole(tg.url, "err_agent")
		if tg.name == "pgbouncer" {
			// PgBouncer's user list has only agent and postgres: the capped
			// role is reached directly, the others through PgBouncer.
			url = ""
		}
		t.Run(tg.name, func(t *testing.T) {
			h, _ := newTestHandler(t, tg.url, nil)
			var hc http.Handler
			if url != "" {
				hc, _ = newTestHandler(t, url, nil)
			}
			for _, c := range cases {
				hh := http.Handler(h)
				if c.sqlstate == "53400" {
					if hc == nil {
						continue
					}
					hh = hc
				}
				r := query(hh, map[string]any{"sql": c.sql})
				if r.status != c.status || r.errCode(t) != c.code {
					t.Errorf("%s: %d %s", c.name, r.status, r.body)
					continue
				}
				e := r.json(t)["error"].(map[string]any)
				if e["sqlstate"] != c.sqlstate || !strings.Contains(e["message"].(string), c.msg) {
					t.Errorf("%s: %v", c.name, e)
				}
				if ra := r.header.Get("Retry-After"); ra != "" {
					t.Errorf("%s: Retry-After %s on an error retrying cannot fix", c.name, ra)
				}
			}
		})
	}
}

// TestUnavailableIsRetryable: a refused login and a query cancelled by an
// operator are the server's doing: 503 with Retry-After.
func TestUnavailableIsRetryable(t *testing.T) {
	for _, url := range []string{asRole(cluster.AgentURL, "nosuch_role"), strings.Replace(cluster.AgentURL, "/postgres?", "/nosuch_db?", 1)} {
		h, _ := newTestHandler(t, url, nil)
		r := query(h, map[string]any{"sql": "SELECT 1"})
		if r.status != http.StatusServiceUnavailable || r.errCode(t) != CodeDatabaseUnavailable || r.header.Get("Retry-After") == "" {
			t.Errorf("login refused: %d %v %s", r.status, r.header, r.body)
		}
		if msg := r.json(t)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "refused the function's login") {
			t.Errorf("message %q", msg)
		}
		// /ready without a key: not ready, and not the server's words.
		rr := do(h, http.MethodGet, "/ready", nil, nil)
		if rr.status != http.StatusServiceUnavailable || rr.header.Get("Retry-After") == "" || strings.Contains(string(rr.body), "nosuch") {
			t.Errorf("/ready without a key: %d %s", rr.status, rr.body)
		}
		if rr := do(h, http.MethodGet, "/ready", nil, authJSON); !strings.Contains(string(rr.body), "nosuch") {
			t.Errorf("/ready with a key does not say why: %d %s", rr.status, rr.body)
		}
	}
	for _, tg := range targets() {
		t.Run("operator cancel "+tg.name, func(t *testing.T) {
			h, _ := newTestHandler(t, tg.url, nil)
			ctx := context.Background()
			owner, _ := lockOrders(t)
			got := make(chan response, 1)
			go func() { got <- query(h, map[string]any{"sql": "SELECT count(*) FROM orders"}) }()
			if !waitUntil(func() bool { return lockWaiters(t, owner) == 1 }) {
				t.Fatal("the query never reached the lock")
			}
			if _, err := owner.Exec(ctx, "SELECT pg_cancel_backend(pid) FROM pg_locks WHERE NOT granted AND relation = 'orders'::regclass"); err != nil {
				t.Fatal(err)
			}
			r := <-got
			if r.status != http.StatusServiceUnavailable || r.errCode(t) != CodeDatabaseUnavailable || r.header.Get("Retry-After") == "" {
				t.Errorf("cancelled by an operator: %d %s", r.status, r.body)
			}
		})
	}
}

// TestNoGoInternalsInMessages sends malformed requests of every kind: each
// answer is a 4xx whose message speaks JSON and SQL, not Go.
func TestNoGoInternalsInMessages(t *testing.T) {
	h, _ := newTestHandler(t, cluster.AgentURL, nil)
	bodies := []string{
		`{"sql": 1}`, `{"sql": ["SELECT 1"]}`, `{"sql": {"a": 1}}`, `{"sql": null}`, `{"sql": true}`,
		`{"sql": "SELECT 1", "params": "x"}`, `{"sql": "SELECT 1", "params": {"a": 1}}`, `{"sql": "SELECT 1", "params": 3}`,
		`{"sql": "SELECT 1", "max_rows": "x"}`, `{"sql": "SELECT 1", "max_rows": 1.5}`, `{"sql": "SELECT 1", "max_rows": -1}`,
		`{"sql": "SELECT 1", "max_rows": 99999999999999999999}`,
		`{"sql": "SELECT $1", "params": [{"a": 1}]}`, `{"sql": "SELECT $1", "params": [[[1]]]}`, `{"sql": "SELECT $1", "params": [[{"a":1}]]}`,
		`{"sql": "SELECT $1::int", "params": ["x"]}`, `{"sql": "SELECT $1::int", "params": [1e400]}`, `{"sql": "SELECT $1::int[]", "params": [["x"]]}`,
		`{"sql": "SELECT $1::bool", "params": [2]}`, `{"sql": "SELECT $1", "params": []}`, `{"sql": "SELECT 1", "params": [1]}`,
		`{"sql": "SELECT 1", "extra": 1}`, `[]`, `"SELECT 1"`, `{"sql": "SELECT 1"} {}`, `{`, `{"sql": "SELECT 1",}`, ``,
		`{"sql": "selec 1"}`, `{"sql": "SELECT 1; SELECT 2"}`, `{"sql": "DELETE FROM orders"}`,
	}
	for _, b := range bodies {
		r := do(h, http.MethodPost, "/v1/query", strings.NewReader(b), authJSON)
		if r.status < 400 || r.status >= 500 {
			t.Errorf("%s: %d %s", b, r.status, r.body)
			continue
		}
		if msg := r.json(t)["error"].(map[string]any)["message"].(string); goInternals.MatchString(msg) {
			t.Errorf("%s: message speaks Go: %q", b, msg)
		}
	}
}

// TestScreenerReasons: the screener's reason reaches the agent as the code.
func TestScreenerReasons(t *testing.T) {
	h, _ := newTestHandler(t, cluster.AgentURL, nil)
	for sql, code := range map[string]string{
		"selec 1":                    CodeSyntaxError,
		"SELECT 'abc":                CodeSyntaxError,
		"SELECT pg_advisory_lock(1)": CodeFunctionNotAllowed,
		"DELETE FROM orders":         CodeStatementNotAllowed,
		"SELECT 1; SELECT 2":         CodeStatementNotAllowed,
	} {
		if r := query(h, map[string]any{"sql": sql}); r.status != http.StatusBadRequest || r.errCode(t) != code {
			t.Errorf("%s: %d %s, want 400 %s", sql, r.status, r.body, code)
		}
	}
}
