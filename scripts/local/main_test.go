package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
)

// TestRunAndInterrupt runs the real program, uses it like a person would (the printed curl
// commands), presses Ctrl-C (SIGINT) or closes the terminal (SIGHUP) and checks that it
// exits 0 and nothing is left: no process it started, no file in its temp dir.
func TestRunAndInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the artifact, starts PostgreSQL and the Lambda emulator")
	}
	bin := filepath.Join(t.TempDir(), "local")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	// SIGINT is Ctrl-C; SIGHUP is the terminal closing, which once killed the program
	// before its clean-up ran and left about 33 MB of temp dirs behind.
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			// Not t.TempDir: its parent is private to us, and PostgreSQL runs as the postgres user
			// when we are root, so it must be able to reach its cluster dir.
			tmp, err := os.MkdirTemp("", "local-test-*")
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(tmp)
			if err := os.Chmod(tmp, 0o755); err != nil {
				t.Fatal(err)
			}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
			l.Close()

			cmd := exec.Command(bin)
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "PORT="+port, "DATABASE_URL=", "API_KEYS=")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			keyc := make(chan string, 1)
			go func() {
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "api" && f[1] == "key:" {
						keyc <- f[2]
					}
				}
				_, _ = io.Copy(io.Discard, stdout)
			}()
			go func() { exited <- cmd.Wait() }()
			defer func() {
				if cmd.ProcessState == nil {
					_ = cmd.Process.Kill()
				}
			}()

			var key string
			select {
			case key = <-keyc:
			case err := <-exited:
				t.Fatalf("exited before ready: %v\n%s", err, stderr.String())
			case <-time.After(3 * time.Minute):
				t.Fatalf("not ready after 3 minutes\n%s", stderr.String())
			}
			base := "http://127.0.0.1:" + port
			resp, err := http.Get(base + "/health")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("/health: %d", resp.StatusCode)
			}
			req, _ := http.NewRequest(http.MethodPost, base+"/v1/query", strings.NewReader(`{"sql":"SELECT name FROM customers WHERE id = $1","params":[7]}`))
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Content-Type", "application/json")
			resp, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), "Customer 7") {
				t.Fatalf("/v1/query: %d %s", resp.StatusCode, body)
			}

			started := lambdaemu.Descendants(cmd.Process.Pid)
			if len(started) < 3 { // at least pgtestd + postgres, the emulator and the function
				t.Fatalf("expected the database, emulator and function to run, found pids %v", started)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("exit after the signal: %v\n%s", err, stderr.String())
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("still running 60s after the signal\n%s", stderr.String())
			}
			for _, pid := range started {
				if alive(pid) {
					st, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
					t.Errorf("pid %d (%s) outlived the signal", pid, bytes.ReplaceAll(st, []byte{0}, []byte{' '}))
				}
			}
			left, _ := os.ReadDir(tmp)
			for _, e := range left {
				t.Errorf("left behind in TMPDIR: %s", e.Name())
			}
		})
	}
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	st, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(st, ')')
	return i < 0 || !bytes.HasPrefix(st[i+1:], []byte(" Z"))
}
