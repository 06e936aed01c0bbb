package connector

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestSessionStateEndsWithTheRequest runs statements the screener refuses
// straight into the query path, as if the screener had been fooled: what
// they leave on the connection must end with the request anyway. Session
// advisory locks survive ROLLBACK, so the path releases them; settings
// made with set_config(..., false) are undone by the ROLLBACK itself.
func TestSessionStateEndsWithTheRequest(t *testing.T) {
	ctx := context.Background()
	owner, err := pgx.Connect(ctx, cluster.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	advisory := func() int {
		var n int
		if err := owner.QueryRow(ctx, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tg := range targets() {
		t.Run(tg.name, func(t *testing.T) {
			h, _ := newTestHandler(t, tg.url, map[string]string{"POOL_SIZE": "1"})
			a, _, err := h.app.get(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				sql string
				ok  bool
			}{
				{"SELECT pg_advisory_lock(7)", true},
				{"SELECT count(pg_advisory_lock(g)) FROM generate_series(1, 1000) g", true},
				{"SELECT pg_advisory_lock_shared(8)", true},
				{"SELECT pg_advisory_lock(9), 1/0", false}, // the lock is taken, then the statement fails
			} {
				if _, e := execQuery(ctx, a, c.sql, nil, 10); (e == nil) != c.ok {
					t.Fatalf("%s: %v", c.sql, e)
				}
				if n := advisory(); n != 0 {
					t.Errorf("%s: %d advisory locks held after the request", c.sql, n)
				}
			}
			if _, e := execQuery(ctx, a, "SELECT set_config('search_path', 'private', false), set_config('agent.x', 'leak', false)", nil, 10); e != nil {
				t.Fatal(e)
			}
			res, e := execQuery(ctx, a, "SELECT current_setting('search_path') || '|' || coalesce(current_setting('agent.x', true), '')", nil, 10)
			if e != nil {
				t.Fatal(e)
			}
			if got := string(res.JSON); got != `{"columns":[{"name":"?column?","type":"text"}],"rows":[["\"$user\", public|"]],"row_count":1,"truncated":false}` {
				t.Errorf("settings after set_config(..., false): %s", got)
			}
		})
	}
}
