package sqlguard

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestCallOracle lets PostgreSQL decide what is a call. A volatile canary
// function that raises a NOTICE when it runs is named in every position
// where a name can stand before "(": calls, aliases with column names,
// WITH names, types with modifiers, typed literals, qualified and quoted
// forms. The screener must refuse every statement in which the server
// calls the canary (it is not built in). Where the screener lets a name
// through as no call, the server must not have called it.
func TestCallOracle(t *testing.T) {
	oracle(t)
	if oracleCluster == nil {
		t.Skip("needs the owner of the oracle cluster (it creates a function)")
	}
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(oracleCluster.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	var called atomic.Int32
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		if n.Message == "canary called" {
			called.Add(1)
		}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE OR REPLACE FUNCTION public.canary(a int DEFAULT 0, b int DEFAULT 0) RETURNS int
		LANGUAGE plpgsql VOLATILE AS $$BEGIN RAISE NOTICE 'canary called'; RETURN a; END$$`); err != nil {
		t.Fatal(err)
	}
	contexts := []string{
		"SELECT {}", "SELECT 1 AS a, {}", "SELECT ({})", "SELECT {} IS NULL", "SELECT -{}", "SELECT ARRAY[{}]",
		"SELECT EXISTS (SELECT {})", "SELECT 1 WHERE 1 BETWEEN {} AND 2", "SELECT 1 ORDER BY {}",
		"SELECT 'a' LIKE 'b' ESCAPE {}::text", "SELECT now() AT TIME ZONE {}::text",
		"SELECT row_number() OVER (ORDER BY {})", "SELECT count(*) FILTER (WHERE {} = 1) FROM (SELECT 1) s",
		"SELECT * FROM {} AS t", "SELECT * FROM {} t", "SELECT * FROM {}", "SELECT * FROM ROWS FROM ({}) AS t",
		"SELECT * FROM (SELECT 1) s(a), {}", "SELECT * FROM (SELECT 1) s(a) JOIN LATERAL {} AS y ON true",
		"SELECT * FROM (SELECT 1) s(a) CROSS JOIN {}", "SELECT 1 FROM (VALUES (1)) v(a) WHERE a IN ({})",
		"SELECT * FROM generate_series(1, 2) AS {}", "SELECT * FROM generate_series(1, 2) {}",
		"SELECT * FROM unnest(ARRAY[1]) {}", "SELECT * FROM (SELECT 1) {}", "SELECT * FROM (SELECT 1) AS {}",
		"WITH {} AS (SELECT 1) SELECT 1", "WITH w AS (SELECT 1), {} AS (SELECT 2) SELECT 1",
		"WITH {} AS MATERIALIZED (SELECT 1) SELECT 1", "WITH {} AS (SELECT 1) SELECT * FROM canary",
		"SELECT CAST(1 AS {})", "SELECT 1::{}", "SELECT {} 'x'", "SELECT {} '1'",
		"SELECT (SELECT 1) {}", "SELECT 1 {}", "SELECT 1 AS {}", "VALUES ({})", "TABLE {}",
		"SELECT * FROM (SELECT 1) s(a) WHERE (a) = {}", "SELECT CASE WHEN true THEN {} END",
		"SELECT COALESCE({}, 1)", "SELECT GREATEST({}, 1)", "SELECT {} OVER ()", "SELECT {} FILTER (WHERE true)",
		"SELECT 1 FROM (SELECT 1) s GROUP BY CUBE ({})", "SELECT 1 LIMIT {}", "SELECT 1 OFFSET {}",
		"SELECT 1 FETCH FIRST {} ROWS ONLY", "SELECT (1, 2) OVERLAPS ({}, 3)",
	}
	names := []string{
		"canary(1)", "canary(a)", "canary()", "public.canary(1)", `"canary"(1)`, `"public"."canary"(1)`,
		"canary (1)", "canary/**/(1)", "CANARY(1)", "postgres.public.canary(1)", "canary(b => 1)",
		`U&"c\0061nary"(1)`, "canary", "public.canary",
	}
	leaks, calls := 0, 0
	var overRefused []string // ran without a call, refused anyway: a cost, not a leak
	for _, c := range contexts {
		for _, n := range names {
			sql := strings.ReplaceAll(c, "{}", n)
			_, screenErr := Check(sql)
			called.Store(0)
			qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			tx, err := conn.Begin(qctx)
			if err != nil {
				cancel()
				t.Fatal(err)
			}
			_, serverErr := tx.Exec(qctx, sql)
			_ = tx.Rollback(qctx)
			cancel()
			if called.Load() == 0 {
				if screenErr != nil && serverErr == nil {
					overRefused = append(overRefused, sql)
				}
				continue
			}
			calls++
			if screenErr == nil {
				leaks++
				t.Errorf("the server called the canary in %q (err %v), the screener let it through", sql, serverErr)
			}
		}
	}
	if calls < 50 {
		t.Fatalf("the canary ran in only %d statements: the oracle proves little", calls)
	}
	t.Logf("%d statements, the canary ran in %d, every one refused by the screener (%d leaks); %d ran without calling it yet were refused, e.g. %q",
		len(contexts)*len(names), calls, leaks, len(overRefused), overRefused[:min(len(overRefused), 8)])
}
