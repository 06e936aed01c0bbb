// Package localpg starts a throwaway PostgreSQL cluster for the root module's tools and
// tests by running function/internal/pgtestd (package function/pgtest behind a process
// boundary; see that command for why the root module does not import the function module).
package localpg

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrNoPostgres says no PostgreSQL server binaries were found.
var ErrNoPostgres = errors.New("no PostgreSQL server binaries found: install them with `apt-get install postgresql` (Debian/Ubuntu), or set DATABASE_URL to a server you have")

// Cluster is a running throwaway cluster.
type Cluster struct {
	Dir        string `json:"dir"`
	OwnerURL   string `json:"owner_url"`
	AgentURL   string `json:"agent_url"`
	BouncerURL string `json:"bouncer_url,omitempty"`

	cmd   *exec.Cmd
	stdin io.WriteCloser
	bin   string
	once  sync.Once
	done  chan struct{}
}

// Options for Start.
type Options struct {
	PgBouncer bool   // also start PgBouncer in transaction mode (BouncerURL)
	BinDir    string // where to build pgtestd; "" = a temp dir removed by Stop
}

// Start builds and runs pgtestd from repoRoot/function and waits until the cluster serves.
func Start(ctx context.Context, repoRoot string, o Options) (*Cluster, error) {
	binDir, ownDir := o.BinDir, false
	if binDir == "" {
		d, err := os.MkdirTemp("", "aac-localpg-*")
		if err != nil {
			return nil, fmt.Errorf("temp dir: %w", err)
		}
		binDir, ownDir = d, true
	}
	cleanupBin := func() {
		if ownDir {
			os.RemoveAll(binDir)
		}
	}
	bin := filepath.Join(binDir, "pgtestd")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./internal/pgtestd")
	build.Dir = filepath.Join(repoRoot, "function")
	if out, err := build.CombinedOutput(); err != nil {
		cleanupBin()
		return nil, fmt.Errorf("build function/internal/pgtestd: %w\n%s", err, out)
	}
	args := []string{}
	if o.PgBouncer {
		args = append(args, "-pgbouncer")
	}
	cmd := exec.Command(bin, args...)
	// Own process group: a terminal's Ctrl-C reaches only our process, which stops the
	// cluster in order. If we die, pgtestd sees its stdin close and cleans up by itself.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		cleanupBin()
		return nil, fmt.Errorf("pgtestd stdin: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cleanupBin()
		return nil, fmt.Errorf("pgtestd stdout: %w", err)
	}
	var stderr strings.Builder
	cmd.Stderr = &syncWriter{w: &stderr}
	if err := cmd.Start(); err != nil {
		cleanupBin()
		return nil, fmt.Errorf("start pgtestd: %w", err)
	}
	c := &Cluster{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	if ownDir {
		c.bin = binDir
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { _ = cmd.Wait(); close(c.done) }()
	select {
	case line, ok := <-lines:
		if !ok {
			<-c.done
			cleanupBin()
			if cmd.ProcessState != nil && cmd.ProcessState.ExitCode() == 3 {
				return nil, ErrNoPostgres
			}
			return nil, fmt.Errorf("pgtestd failed: %s", strings.TrimSpace(stderr.String()))
		}
		if err := json.Unmarshal([]byte(line), c); err != nil {
			c.Stop()
			return nil, fmt.Errorf("pgtestd said %q: %w", line, err)
		}
		return c, nil
	case <-ctx.Done():
		c.Stop()
		return nil, ctx.Err()
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// Stop stops the cluster (closing pgtestd's stdin), waits until its directory is gone and
// removes the pgtestd binary. Safe to call more than once.
func (c *Cluster) Stop() {
	c.once.Do(func() {
		c.stdin.Close()
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
			<-c.done
		}
		if c.bin != "" {
			os.RemoveAll(c.bin)
		}
	})
}
