package localrun

import (
	"context"
	"errors"
	"os"
	"testing"
)

// TestStartCloseWithDatabaseURL: with DATABASE_URL set nothing is started, the work dir
// exists until Close and not after it.
func TestStartCloseWithDatabaseURL(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://agent@127.0.0.1:1/app")
	t.Setenv("TMPDIR", t.TempDir())
	var steps int
	l, err := Start(context.Background(), Options{Name: "test", NoArtifact: true, Step: func(string, ...any) { steps++ }})
	if err != nil {
		t.Fatal(err)
	}
	if l.DatabaseURL != "postgres://agent@127.0.0.1:1/app" || l.DB != nil || l.Bootstrap != "" || steps != 0 {
		t.Errorf("got url %q db %v bootstrap %q steps %d; want DATABASE_URL, no cluster, no artifact, no steps", l.DatabaseURL, l.DB, l.Bootstrap, steps)
	}
	if _, err := os.Stat(l.Work); err != nil {
		t.Fatalf("work dir: %v", err)
	}
	l.Close()
	if _, err := os.Stat(l.Work); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("work dir %s still there after Close (%v)", l.Work, err)
	}
}

// TestStartFailsCleanly: a build that cannot start (cancelled context) leaves no work dir.
func TestStartFailsCleanly(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("DATABASE_URL", "postgres://agent@127.0.0.1:1/app")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Start(ctx, Options{Name: "test"}); err == nil {
		t.Fatal("a cancelled build must fail")
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
