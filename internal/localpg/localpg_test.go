package localpg

import (
	"context"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
)

// TestStartStop starts a real cluster through pgtestd, checks it listens where its URLs
// say, and that Stop removes its directory and ends the process.
func TestStartStop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	root, err := build.FindRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := Start(ctx, root, Options{PgBouncer: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	for _, raw := range []string{c.AgentURL, c.OwnerURL, c.BouncerURL} {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "postgres" || !strings.HasPrefix(u.Host, "127.0.0.1:") {
			t.Fatalf("URL %q: %v", raw, err)
		}
		conn, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
		if err != nil {
			t.Fatalf("nothing listens at %s: %v", u.Host, err)
		}
		conn.Close()
	}
	if _, err := os.Stat(c.Dir); err != nil {
		t.Fatalf("cluster dir: %v", err)
	}
	pid := c.cmd.Process.Pid
	c.Stop()
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("cluster dir %s still exists after Stop (%v)", c.Dir, err)
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("pgtestd (pid %d) still runs after Stop", pid)
	}
}
