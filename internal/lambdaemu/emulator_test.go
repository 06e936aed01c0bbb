package lambdaemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/localpg"
)

const testKey = "test-key-0123456789abcdef"

var (
	pgOnce sync.Once
	pg     *localpg.Cluster
	pgErr  error
)

// cluster starts one throwaway PostgreSQL for the package's tests (stopped in TestMain).
func cluster(t *testing.T) *localpg.Cluster {
	t.Helper()
	pgOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		root, err := build.FindRepoRoot(".")
		if err != nil {
			pgErr = err
			return
		}
		pg, pgErr = localpg.Start(ctx, root, localpg.Options{})
	})
	if pgErr != nil {
		t.Fatalf("start PostgreSQL: %v", pgErr)
	}
	return pg
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pg != nil {
		pg.Stop()
	}
	os.Exit(code)
}

// unpack builds pkg (the connector's cmd/lambda when pkg is "") for arch exactly as a
// deploy does and unpacks the zip, so the test runs the shipped artifact.
func unpack(t *testing.T, pkg, arch string) string {
	t.Helper()
	ctx := context.Background()
	root, err := build.FindRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	o := build.Options{RepoRoot: root, OutDir: t.TempDir()}
	var a build.Artifact
	if pkg == "" {
		a, err = build.Build(ctx, build.Target{Platform: build.Lambda, Arch: arch}, o)
	} else {
		a, err = build.BuildLambdaPackage(ctx, pkg, arch, "pkg-"+arch, o)
	}
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := build.Extract(a.Path, dir); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, build.LambdaHandler)
}

func startEmu(t *testing.T, boot, arch string, env []string) *Emulator {
	t.Helper()
	root, _ := build.FindRepoRoot(".")
	var logs bytes.Buffer
	e, err := Start(context.Background(), Options{Bootstrap: boot, Arch: arch, RepoRoot: root, Env: env, Log: &lockedWriter{w: &logs}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.Stop()
		if t.Failed() {
			t.Logf("emulator log:\n%s", strings.Join(e.Logs(80), "\n"))
		}
	})
	return e
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func archs() []string {
	a := []string{runtime.GOARCH}
	if runtime.GOARCH != "arm64" {
		a = append(a, "arm64") // the deployed arch, run through qemu-user
	}
	return a
}

type call struct {
	name, method, path, key, ctype, body string
	header                               map[string]string
	status                               int
	check                                func(t *testing.T, body []byte)
}

func TestConnectorUnderEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds artifacts and runs PostgreSQL and the Lambda emulator")
	}
	db := cluster(t)
	calls := []call{
		{name: "health", method: "GET", path: "/health", status: 200, check: func(t *testing.T, b []byte) {
			if strings.TrimSpace(string(b)) != `{"status":"healthy"}` {
				t.Errorf("body %s", b)
			}
		}},
		{name: "query", method: "POST", path: "/v1/query", key: testKey, ctype: "application/json",
			body: `{"sql":"SELECT id, name FROM customers WHERE id <= $1 ORDER BY id","params":[2]}`, status: 200,
			check: func(t *testing.T, b []byte) {
				var r struct {
					Columns []struct{ Name string }
					Rows    [][]any
				}
				if err := json.Unmarshal(b, &r); err != nil {
					t.Fatalf("decode %s: %v", b, err)
				}
				if len(r.Columns) != 2 || r.Columns[1].Name != "name" || len(r.Rows) != 2 || r.Rows[1][1] != "Customer 2" {
					t.Errorf("unexpected result %s", b)
				}
			}},
		{name: "missing key", method: "POST", path: "/v1/query", ctype: "application/json", body: `{"sql":"SELECT 1"}`, status: 401, check: errorCode("unauthorized")},
		{name: "wrong key", method: "POST", path: "/v1/query", key: "wrong-key-0123456789abcdef", ctype: "application/json", body: `{"sql":"SELECT 1"}`, status: 401, check: errorCode("unauthorized")},
		{name: "malformed json", method: "POST", path: "/v1/query", key: testKey, ctype: "application/json", body: `{"sql":`, status: 400, check: errorCode("invalid_json")},
		{name: "write refused", method: "POST", path: "/v1/query", key: testKey, ctype: "application/json", body: `{"sql":"DELETE FROM customers"}`, status: 400, check: errorCode("statement_not_allowed")},
		{name: "schema", method: "GET", path: "/v1/schema", key: testKey, status: 200, check: func(t *testing.T, b []byte) {
			if !strings.Contains(string(b), "customers") || strings.Contains(string(b), "api_secrets") {
				t.Errorf("schema %s", b)
			}
		}},
		{name: "unknown path", method: "GET", path: "/nope", status: 404, check: errorCode("not_found")},
		// MCP through the Function URL bridge: every message is its own invoke, so these also
		// show the endpoint keeps no session between them.
		{name: "mcp initialize", method: "POST", path: "/mcp", key: testKey, ctype: "application/json", header: mcpAccept("2025-06-18"),
			body:   `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"emu","version":"1"}}}`,
			status: 200, check: rpcResult(func(t *testing.T, r map[string]any) {
				if r["protocolVersion"] != "2025-06-18" || r["serverInfo"].(map[string]any)["name"] != "ai-agent-connector" {
					t.Errorf("initialize %v", r)
				}
			})},
		{name: "mcp tools/call query", method: "POST", path: "/mcp", key: testKey, ctype: "application/json", header: mcpAccept("2025-06-18"),
			body:   `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT id, name FROM customers WHERE id <= $1 ORDER BY id","params":[2]}}}`,
			status: 200, check: rpcResult(func(t *testing.T, r map[string]any) {
				sc, _ := r["structuredContent"].(map[string]any)
				rows, _ := sc["rows"].([]any)
				if r["isError"] == true || len(rows) != 2 || rows[1].([]any)[1] != "Customer 2" {
					t.Errorf("tools/call %v", r)
				}
			})},
		{name: "mcp tools/call 2026-07-28", method: "POST", path: "/mcp", key: testKey, ctype: "application/json",
			header: map[string]string{"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "list_tables"},
			body: `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_tables","arguments":{},"_meta":{` +
				`"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"emu","version":"1"}}}}`,
			status: 200, check: rpcResult(func(t *testing.T, r map[string]any) {
				sc, _ := r["structuredContent"].(map[string]any)
				if tables, _ := sc["tables"].([]any); r["isError"] == true || len(tables) == 0 {
					t.Errorf("tools/call %v", r)
				}
			})},
		{name: "mcp tools/call refused write", method: "POST", path: "/mcp", key: testKey, ctype: "application/json", header: mcpAccept("2025-06-18"),
			body:   `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"query","arguments":{"sql":"DELETE FROM customers"}}}`,
			status: 200, check: rpcResult(func(t *testing.T, r map[string]any) {
				if r["isError"] != true || !strings.Contains(fmt.Sprint(r["content"]), "statement_not_allowed") {
					t.Errorf("tools/call %v", r)
				}
			})},
		{name: "mcp without key", method: "POST", path: "/mcp", ctype: "application/json", header: mcpAccept("2025-06-18"),
			body: `{"jsonrpc":"2.0","id":5,"method":"tools/list"}`, status: 401, check: func(t *testing.T, b []byte) {
				if !strings.Contains(string(b), `"jsonrpc":"2.0"`) {
					t.Errorf("401 body %s", b)
				}
			}},
	}
	for _, arch := range archs() {
		t.Run(arch, func(t *testing.T) {
			boot := unpack(t, "", arch)
			emu := startEmu(t, boot, arch, []string{"DATABASE_URL=" + db.AgentURL, "API_KEYS=" + testKey})
			srv := httptest.NewServer(&Bridge{Invoker: emu})
			defer srv.Close()
			for _, c := range calls {
				t.Run(c.name, func(t *testing.T) {
					status, hdr, body := do(t, srv.URL, c)
					if status != c.status {
						t.Fatalf("%s %s: status %d, want %d; body %s", c.method, c.path, status, c.status, body)
					}
					if c.status != 404 && !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
						t.Errorf("Content-Type = %q", hdr.Get("Content-Type"))
					}
					c.check(t, body)
				})
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			d, err := emu.WaitInitReport(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if d <= 0 {
				t.Errorf("init duration %v", d)
			}
			if n := len(emu.InitReports()); n != 1 {
				t.Errorf("%d inits for one environment, want 1 (a warm environment must not re-init)", n)
			}
			t.Logf("%s: INIT REPORT %v", arch, d)
		})
	}
}

// TestHelloWorldUnderEmulator runs the buffered-response baseline through the same bridge.
func TestHelloWorldUnderEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds artifacts and runs the Lambda emulator")
	}
	boot := unpack(t, "./internal/hello", runtime.GOARCH)
	emu := startEmu(t, boot, runtime.GOARCH, nil)
	srv := httptest.NewServer(&Bridge{Invoker: emu})
	defer srv.Close()
	status, hdr, body := do(t, srv.URL, call{method: "GET", path: "/anything"})
	if status != 200 || strings.TrimSpace(string(body)) != `{"status":"healthy"}` || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("hello: %d %q %v", status, body, hdr)
	}
}

func TestStopLeavesNoProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds artifacts and runs the Lambda emulator")
	}
	boot := unpack(t, "./internal/hello", runtime.GOARCH)
	emu := startEmu(t, boot, runtime.GOARCH, nil)
	if _, err := emu.Invoke(context.Background(), []byte(`{"rawPath":"/"}`)); err != nil {
		t.Fatal(err)
	}
	kids := Descendants(emu.cmd.Process.Pid)
	if len(kids) == 0 {
		t.Fatal("the function process is not running under the emulator after an invoke")
	}
	emu.Stop()
	for _, pid := range append(kids, emu.cmd.Process.Pid) {
		if _, err := os.Stat(filepath.Join("/proc", itoa(pid))); err == nil {
			st, _ := os.ReadFile(filepath.Join("/proc", itoa(pid), "stat"))
			if !strings.Contains(string(st), ") Z ") {
				t.Errorf("pid %d still runs after Stop: %s", pid, st)
			}
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func mcpAccept(version string) map[string]string {
	return map[string]string{"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": version}
}

// rpcResult decodes a JSON-RPC response and checks its result.
func rpcResult(check func(t *testing.T, r map[string]any)) func(t *testing.T, b []byte) {
	return func(t *testing.T, b []byte) {
		var m struct {
			Result map[string]any
			Error  any
		}
		if err := json.Unmarshal(b, &m); err != nil || m.Error != nil || m.Result == nil {
			t.Fatalf("not a JSON-RPC result: %s", b)
		}
		check(t, m.Result)
	}
}

func errorCode(code string) func(t *testing.T, b []byte) {
	return func(t *testing.T, b []byte) {
		var e struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(b, &e); err != nil || e.Error.Code != code || e.Error.Message == "" {
			t.Errorf("want error code %q with a message, got %s", code, b)
		}
	}
}

func do(t *testing.T, base string, c call) (int, http.Header, []byte) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, base+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if c.ctype != "" {
		req.Header.Set("Content-Type", c.ctype)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}
