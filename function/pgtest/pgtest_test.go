package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func count(t *testing.T, ctx context.Context, url, sql string) int {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestClusterLifecycle(t *testing.T) {
	ctx := context.Background()
	c, err := Start(ctx, Options{PgBouncer: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := c.Dir
	if n := count(t, ctx, c.AgentURL, "SELECT count(*) FROM customers"); n != 200 {
		t.Errorf("customers via postgres = %d, want 200", n)
	}
	if n := count(t, ctx, c.BouncerURL, "SELECT count(*) FROM orders"); n != 1000 {
		t.Errorf("orders via pgbouncer = %d, want 1000", n)
	}
	// The agent role cannot see the private schema.
	conn, err := pgx.Connect(ctx, c.AgentURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SELECT * FROM private.api_secrets"); err == nil {
		t.Error("agent read private.api_secrets")
	}
	conn.Close(ctx)

	c.StopPostgres()
	if _, err := pgx.Connect(ctx, c.AgentURL); err == nil {
		t.Error("connected to a stopped server")
	}
	if err := c.StartPostgres(ctx); err != nil {
		t.Fatalf("restart: %v", err)
	}
	if n := count(t, ctx, c.BouncerURL, "SELECT count(*) FROM customers"); n != 200 {
		t.Errorf("after restart = %d", n)
	}
	c.StopBouncer()
	if err := c.StartBouncer(ctx); err != nil {
		t.Fatalf("restart pgbouncer: %v", err)
	}
	c.Stop()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("cluster dir %s left behind", dir)
	}
}
