package connector

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestTransactionSettings reads, from inside an agent's statement, the
// settings the one-round-trip preamble pins: the statement runs READ ONLY,
// with the server-side budget, the work_mem cap and standard_conforming_strings
// on, directly and through PgBouncer in transaction mode.
func TestTransactionSettings(t *testing.T) {
	for _, tg := range targets() {
		t.Run(tg.name, func(t *testing.T) {
			h, _ := newTestHandler(t, tg.url, map[string]string{"QUERY_TIMEOUT_MS": "1500"})
			r := query(h, map[string]any{"sql": `SELECT current_setting('transaction_read_only') AS ro,
				current_setting('statement_timeout') AS st, current_setting('idle_in_transaction_session_timeout') AS idle,
				current_setting('work_mem') AS wm, current_setting('standard_conforming_strings') AS scs`})
			if r.status != http.StatusOK {
				t.Fatalf("%d %s", r.status, r.body)
			}
			want := `"rows":[["on","1500ms","1500ms","4MB","on"]]`
			if !strings.Contains(string(r.body), want) {
				t.Errorf("settings inside the transaction: %s; want %s", r.body, want)
			}
		})
	}
}

// TestErrorEndsTransaction: after a failing statement the server skips the
// pipelined ROLLBACK; the second round trip must end the transaction, so
// the pooled backend is idle, not idle in an aborted transaction, and the
// next query on the same connection works.
func TestErrorEndsTransaction(t *testing.T) {
	const app = "error-path-probe"
	h, _ := newTestHandler(t, cluster.AgentURL+"&application_name="+app, map[string]string{"POOL_SIZE": "1"})
	for _, sql := range []string{"SELECT 1/0", "SELECT nosuchcolumn FROM customers", "SELECT $1::int"} {
		req := map[string]any{"sql": sql}
		if strings.Contains(sql, "$1") {
			req["params"] = []any{"not a number"}
		}
		if r := query(h, req); r.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", sql, r.status, r.body)
		}
		ctx := context.Background()
		owner, err := pgx.Connect(ctx, cluster.OwnerURL)
		if err != nil {
			t.Fatal(err)
		}
		var states []string
		rows, err := owner.Query(ctx, "SELECT state FROM pg_stat_activity WHERE application_name = $1", app)
		if err == nil {
			states, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		owner.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(states) != 1 || states[0] != "idle" {
			t.Errorf("after %q the pooled backend is %v, want [idle]", sql, states)
		}
		if r := query(h, map[string]any{"sql": "SELECT 1"}); r.status != http.StatusOK {
			t.Errorf("after %q: %d %s", sql, r.status, r.body)
		}
	}
}

// TestRefusesStandardConformingStringsOff: a role whose
// standard_conforming_strings is off makes the server read backslashes in
// strings differently from the screener; even though every transaction
// pins it on, a server that still reports it off is refused, with the fix.
func TestRefusesStandardConformingStringsOff(t *testing.T) {
	ctx := context.Background()
	owner, err := pgx.Connect(ctx, cluster.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	for _, s := range []string{"CREATE ROLE scs_off LOGIN", "ALTER ROLE scs_off SET standard_conforming_strings = off"} {
		if _, err := owner.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _, _ = owner.Exec(context.Background(), "DROP ROLE scs_off") })
	url := strings.Replace(cluster.AgentURL, "agent@", "scs_off@", 1)
	h, _ := newTestHandler(t, url, nil)
	r := query(h, map[string]any{"sql": "SELECT 1"})
	if r.status != http.StatusServiceUnavailable || r.errCode(t) != "unsafe_server_setting" || !strings.Contains(string(r.body), "RESET standard_conforming_strings") {
		t.Errorf("role with standard_conforming_strings off: %d %s", r.status, r.body)
	}
	h.Close()
}
