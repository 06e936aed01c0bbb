package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/function/pgtest"
	"github.com/jackc/pgx/v5"
)

// stateClass is one kind of state a statement could leave on a pooled
// connection, with attempts to leave it and the probes that would find it.
type stateClass struct {
	name     string
	attempts []string
	// owner probes run as the superuser, about the agent's backend ($1 is
	// its pid where they take one); each must answer 0 rows-worth ("0").
	owner []string
	// agent probes run as the next request, on the same backend: through
	// the handler and, behind PgBouncer, on a plain client of the same
	// server connection; each must answer what it answered before the
	// attempts.
	agent []string
}

var stateClasses = []stateClass{
	{
		name: "advisory locks",
		attempts: []string{
			"SELECT pg_advisory_lock(42)", "SELECT pg_try_advisory_lock(42)", "SELECT pg_advisory_lock_shared(43)",
			"SELECT pg_advisory_xact_lock(44)", "SELECT count(pg_advisory_lock(g)) FROM generate_series(1, 100) g",
			"SELECT 1 AS x --\r, pg_advisory_lock(45)", "SELECT (SELECT pg_advisory_lock(46))",
			"SELECT * FROM customers WHERE pg_try_advisory_lock(id) LIMIT 1",
		},
		owner: []string{"SELECT count(*) FROM pg_locks WHERE pid = $1"},
	},
	{
		name: "settings",
		attempts: []string{
			"SELECT set_config('search_path', 'private, public', false)", "SELECT set_config('work_mem', '1GB', false)",
			"SELECT set_config('statement_timeout', '0', false)", "SELECT set_config('agent.secret', 'leak', false)",
			"SELECT set_config('default_transaction_read_only', 'off', false)", "SELECT set_config('role', 'postgres', false)",
			"SET search_path = private", "SET SESSION statement_timeout = 0", "SET ROLE postgres", "RESET ALL",
			"SET SESSION AUTHORIZATION postgres", "SELECT 1 AS x --\r; SET work_mem = '1GB'",
		},
		agent: []string{
			"SELECT current_setting('search_path') || '|' || current_setting('default_transaction_read_only') || '|' || coalesce(current_setting('agent.secret', true), '') || '|' || current_user || '|' || session_user",
		},
	},
	{
		name:     "random seed",
		attempts: []string{"SELECT setseed(0.5)", "SELECT setseed(0.5), 1 AS x", "SELECT 1 AS x --\r, setseed(0.5)"},
		// Checked against the first random() after setseed(0.5).
		agent: []string{"SELECT random()::text"},
	},
	{
		name: "prepared statements",
		attempts: []string{
			"PREPARE p AS SELECT 1", "SELECT 1; PREPARE p AS SELECT 1", "EXECUTE p",
		},
		agent: []string{"SELECT count(*)::text FROM pg_prepared_statements"},
	},
	{
		name: "temp tables",
		attempts: []string{
			"CREATE TEMP TABLE t AS SELECT 1 AS x", "SELECT * INTO TEMP t FROM customers", "CREATE TEMP VIEW v AS SELECT 1",
			"WITH x AS (SELECT 1) SELECT * INTO TEMPORARY t2 FROM x",
		},
		owner: []string{"SELECT count(*) FROM pg_class WHERE relpersistence = 't'"},
	},
	{
		name: "cursors",
		attempts: []string{
			"DECLARE c CURSOR WITH HOLD FOR SELECT 1", "DECLARE c CURSOR FOR SELECT 1",
			"SELECT 1 AS x --\r; DECLARE c CURSOR WITH HOLD FOR SELECT 1",
		},
		agent: []string{"SELECT count(*)::text FROM pg_cursors"},
	},
	{
		name:     "listen",
		attempts: []string{"LISTEN agent_channel", "SELECT 1 AS x --\r; LISTEN agent_channel", "SELECT pg_notify('agent_channel', 'x')"},
		agent:    []string{"SELECT count(*)::text FROM pg_listening_channels()"},
	},
	{
		name: "large objects",
		attempts: []string{
			"SELECT lo_create(0)", "SELECT lo_from_bytea(0, 'x')", "SELECT lo_open(lo_create(0), 131072)",
			"SELECT lo_creat(-1)", "SELECT lo_import('/etc/hostname')",
		},
		owner: []string{"SELECT count(*) FROM pg_largeobject_metadata"},
	},
	{
		name:     "transaction ids",
		attempts: []string{"SELECT txid_current()", "SELECT pg_current_xact_id()", "SELECT count(txid_current()) FROM generate_series(1, 10)"},
		// The server's next transaction id is compared before and after.
	},
}

// TestNothingOutlivesARequest runs each class's attempts through the
// handler on a pool of one connection, then inspects that same backend:
// from a superuser connection by its pid, and with a probe statement as
// the next request. Directly and through PgBouncer in transaction mode with
// one server connection. Some attempts are refused by the screener, some
// by READ ONLY, some run and end with the transaction: the test proves the
// combined result, whichever wall holds.
func TestNothingOutlivesARequest(t *testing.T) {
	c := startCluster(t, pgtest.Options{PgBouncer: true, BouncerPoolSize: 1})
	ctx := context.Background()
	owner, err := pgx.Connect(ctx, c.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	var seeded string
	if err := owner.QueryRow(ctx, "SELECT setseed(0.5)::text || random()::text").Scan(&seeded); err != nil {
		t.Fatal(err)
	}
	// setseed returns void, whose text is empty: this is random()'s.
	for _, tg := range []struct{ name, url string }{{"direct", c.AgentURL}, {"pgbouncer", c.BouncerURL}} {
		t.Run(tg.name, func(t *testing.T) {
			url := tg.url
			if tg.name == "direct" {
				url += "&application_name=" + directApp
			}
			h := newHandler(url, map[string]string{"POOL_SIZE": "1"})
			defer h.Close()
			// A plain client of PgBouncer's one server connection, between
			// the handler's transactions.
			var raw *pgx.Conn
			if tg.name == "pgbouncer" {
				cfg, err := pgx.ParseConfig(tg.url)
				if err != nil {
					t.Fatal(err)
				}
				cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
				if raw, err = pgx.ConnectConfig(ctx, cfg); err != nil {
					t.Fatal(err)
				}
				defer raw.Close(ctx)
			}
			if r := serve(h, http.MethodPost, "/v1/query", queryBody("SELECT 1")); r.status != http.StatusOK {
				t.Fatalf("warm-up: %d %s", r.status, r.msg)
			}
			pid := agentBackend(t, owner, tg.name)
			for _, sc := range stateClasses {
				t.Run(sc.name, func(t *testing.T) {
					before := map[string]string{}
					for _, p := range sc.agent {
						before[p] = probe(t, h, raw, p)
					}
					xmax := xidHorizon(t, owner)
					outcomes := map[string]int{}
					served := 0
					for _, a := range sc.attempts {
						r := serve(h, http.MethodPost, "/v1/query", queryBody(a))
						outcomes[strconvStatus(r)]++
						if r.status == http.StatusOK {
							served++
						}
					}

					// The same backend is still the one serving (a dropped
					// connection would take its state with it, and prove less).
					if now := agentBackend(t, owner, tg.name); now != pid {
						t.Logf("%s: the backend changed (%d -> %d): an attempt ended the connection", sc.name, pid, now)
						pid = now
					}
					var state string
					var xid *string
					if err := owner.QueryRow(ctx, "SELECT state, backend_xid::text FROM pg_stat_activity WHERE pid = $1", pid).Scan(&state, &xid); err != nil {
						t.Fatal(err)
					}
					if state != "idle" || xid != nil {
						t.Errorf("%s: backend %d is %q with xid %v after the attempts, want idle with none", sc.name, pid, state, xid)
					}
					for _, q := range sc.owner {
						var n int
						args := []any{}
						if strings.Contains(q, "$1") {
							args = append(args, pid)
						}
						if err := owner.QueryRow(ctx, q, args...).Scan(&n); err != nil {
							t.Fatal(err)
						}
						if n != 0 {
							t.Errorf("%s: %s = %d after the attempts, want 0", sc.name, q, n)
						}
					}
					var leaks []string
					for _, p := range sc.agent {
						got := probe(t, h, raw, p)
						if sc.name == "random seed" {
							// random() differs every time; what must not happen is
							// the value setseed(0.5) fixes.
							if strings.Contains(got, seeded) {
								leaks = append(leaks, "the next request's random() is the one setseed(0.5) fixes: "+got)
							}
						} else if got != before[p] {
							leaks = append(leaks, fmt.Sprintf("%s answered %q before the attempts and %q after", p, before[p], got))
						}
					}
					if sc.name == "transaction ids" {
						if after := xidHorizon(t, owner); after != xmax {
							leaks = append(leaks, fmt.Sprintf("the next transaction id moved from %d to %d: the attempts assigned ids", xmax, after))
						}
					}
					for _, l := range leaks {
						t.Errorf("%s: %s", sc.name, l)
					}
					report(t, "%s (%d attempts, answers %v, %d served): nothing left on backend %d; probes %v", sc.name, len(sc.attempts), outcomes, served, pid, before)
				})
			}
		})
	}
}

const directApp = "state-direct"

// agentBackend is the pid of the one backend serving the handler: the
// direct pool's (by its application_name), or PgBouncer's one server
// connection for the agent role (the direct pool's has closed by then).
func agentBackend(t *testing.T, owner *pgx.Conn, target string) int {
	t.Helper()
	q := "SELECT pid FROM pg_stat_activity WHERE usename = 'agent' AND backend_type = 'client backend' AND application_name "
	if target == "direct" {
		q += "= '" + directApp + "'"
	} else {
		q += "<> '" + directApp + "'"
	}
	var pids []int
	waitFor(func() bool {
		rows, err := owner.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if pids, err = pgx.CollectRows(rows, pgx.RowTo[int]); err != nil {
			t.Fatal(err)
		}
		return len(pids) == 1
	})
	if len(pids) != 1 {
		t.Fatalf("%s: agent backends %v, want exactly one", target, pids)
	}
	return pids[0]
}

// xidHorizon is the next transaction id the server will assign; reading it
// assigns none.
func xidHorizon(t *testing.T, owner *pgx.Conn) int64 {
	t.Helper()
	var x int64
	if err := owner.QueryRow(context.Background(), "SELECT txid_snapshot_xmax(txid_current_snapshot())").Scan(&x); err != nil {
		t.Fatal(err)
	}
	return x
}

// probe runs sql as the next request through the handler and, behind
// PgBouncer, on the raw client too; it returns both answers. A probe the
// screener refuses reads as "refused": an agent cannot observe that state
// either, which is what matters.
func probe(t *testing.T, h http.Handler, raw *pgx.Conn, sql string) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/v1/query", strings.NewReader(queryBody(sql)))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	out := "refused"
	if rec.Code == http.StatusOK {
		var body struct{ Rows [][]any }
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Rows) != 1 {
			t.Fatalf("probe %s: %s", sql, rec.Body.Bytes())
		}
		b, _ := json.Marshal(body.Rows[0])
		out = "handler:" + strings.Trim(string(b), `[]"`)
	} else if rec.Code >= 500 {
		t.Fatalf("probe %s: %d %s", sql, rec.Code, rec.Body.Bytes())
	}
	if raw != nil {
		var v string
		if err := raw.QueryRow(context.Background(), sql).Scan(&v); err != nil {
			t.Fatalf("raw probe %s: %v", sql, err)
		}
		out += " raw:" + v
		for _, s := range []string{"work_mem", "statement_timeout", "search_path", "role"} {
			var setting string
			if err := raw.QueryRow(context.Background(), "SELECT current_setting($1)", s).Scan(&setting); err != nil {
				t.Fatal(err)
			}
			out += " " + s + "=" + setting
		}
	}
	return out
}

func strconvStatus(r result) string {
	if r.code == "" {
		return http.StatusText(r.status)
	}
	return r.code
}
