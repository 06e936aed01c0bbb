package reliability

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/function/pgtest"
)

const testKey = "reliability-key-0123456789"

// full says whether the heavy scenarios run (RELIABILITY_FULL=1).
func full() bool { return os.Getenv("RELIABILITY_FULL") == "1" }

func requireFull(t *testing.T) {
	t.Helper()
	if !full() {
		t.Skip("heavy scenario: set RELIABILITY_FULL=1 (make reliability)")
	}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// localBinary builds cmd/local once per test binary: the storm, the hostile
// corpus and the header limits run the real entrypoint, with its real
// http.Server settings.
func localBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "reliability-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "local")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/local")
		cmd.Dir = "../.." // the function module's root
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/local: %w\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// startCluster starts a throwaway cluster for one test.
func startCluster(t testing.TB, o pgtest.Options) *pgtest.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgtest.Start(ctx, o)
	if err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	t.Cleanup(c.Stop)
	return c
}

// proc is one running cmd/local process.
type proc struct {
	cmd  *exec.Cmd
	Port int
	URL  string
	log  *strings.Builder
	mu   sync.Mutex
	done chan struct{}
}

// startLocal starts cmd/local on a free loopback port with env on top of
// the test's environment (only the variables it needs). It does not wait.
func startLocal(bin string, port int, env map[string]string) (*proc, error) {
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PORT=" + strconv.Itoa(port), "HOST=127.0.0.1"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	// Own process group, killed with us: no process outlives the test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p := &proc{cmd: cmd, Port: port, URL: "http://127.0.0.1:" + strconv.Itoa(port), log: &strings.Builder{}, done: make(chan struct{})}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			if p.log.Len() < 256<<10 { // keep memory bounded under load
				p.log.WriteString(sc.Text())
				p.log.WriteByte('\n')
			}
			p.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Logs returns what the process wrote to stderr so far.
func (p *proc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// Stop ends the process: SIGTERM (graceful shutdown), SIGKILL after 5 s.
func (p *proc) Stop() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// Exited reports whether the process has ended.
func (p *proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitHealthy polls /health until it answers 200.
func (p *proc) waitHealthy(ctx context.Context, c *http.Client) error {
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/health", nil)
		resp, err := c.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("cmd/local on port %d exited: %s", p.Port, p.Logs())
		case <-ctx.Done():
			return fmt.Errorf("cmd/local on port %d not healthy: %w (last: %v)", p.Port, ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// runLocal starts one cmd/local against dbURL and waits until it is healthy.
func runLocal(t testing.TB, env map[string]string) *proc {
	t.Helper()
	ports, err := freePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := startLocal(localBinary(t), ports[0], env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.waitHealthy(ctx, http.DefaultClient); err != nil {
		t.Fatal(err)
	}
	return p
}

// freePorts reserves n distinct loopback ports by listening on all of them
// at once, then releases them for the processes to bind.
func freePorts(n int) ([]int, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("reserve port %d of %d: %w", i+1, n, err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// apiError is the body of every error the connector answers.
type apiError struct {
	Error struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		SQLState string `json:"sqlstate"`
	} `json:"error"`
}

func errorOf(body []byte) (code, msg string) {
	var e apiError
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	return e.Error.Code, e.Error.Message
}
