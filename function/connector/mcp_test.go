package connector

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// splitTransport sends the first request (initialize, or server/discover)
// to one server and every later one to another, with the bearer key: two
// instances that share nothing, as serverless instances are.
type splitTransport struct {
	first, rest *url.URL
	key         string
	n           atomic.Int32
}

func (s *splitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	to := s.rest
	if s.n.Add(1) == 1 {
		to = s.first
	}
	r.URL.Scheme, r.URL.Host, r.Host = to.Scheme, to.Host, to.Host
	if s.key != "" {
		r.Header.Set("Authorization", "Bearer "+s.key)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func mcpServers(t *testing.T, env map[string]string) (a, b *httptest.Server, logs *logBuffer) {
	t.Helper()
	ha, _ := newTestHandler(t, cluster.AgentURL, env)
	hb, logs := newTestHandler(t, cluster.AgentURL, env)
	ha.opts.CheckLoopbackHost, hb.opts.CheckLoopbackHost = true, true
	a, b = httptest.NewServer(ha), httptest.NewServer(hb)
	t.Cleanup(a.Close)
	t.Cleanup(b.Close)
	return a, b, logs
}

func connect(t *testing.T, first, rest *httptest.Server, key, version string) (*mcp.ClientSession, error) {
	t.Helper()
	fu, _ := url.Parse(first.URL)
	ru, _ := url.Parse(rest.URL)
	tr := &mcp.StreamableClientTransport{
		Endpoint:             first.URL + "/mcp",
		HTTPClient:           &http.Client{Transport: &splitTransport{first: fu, rest: ru, key: key}},
		MaxRetries:           -1,
		DisableStandaloneSSE: true,
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "connector-test", Version: "1"}, nil)
	return c.Connect(context.Background(), tr, &mcp.ClientSessionOptions{ProtocolVersion: version})
}

func callTool(t *testing.T, cs *mcp.ClientSession, name string, args any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

func structured(t *testing.T, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	if res.IsError {
		t.Fatalf("tool error: %s", text(res))
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("structuredContent %s: %v", b, err)
	}
	// The text fallback is the same document.
	var fromText map[string]any
	if err := json.Unmarshal([]byte(text(res)), &fromText); err != nil {
		t.Errorf("text content is not the JSON document: %q", text(res))
	}
	return m
}

func text(res *mcp.CallToolResult) string {
	var s []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			s = append(s, tc.Text)
		}
	}
	return strings.Join(s, "\n")
}

// TestMCPStatelessEveryVersion connects with the SDK's own client at each
// protocol version; the handshake goes to one instance and every later
// call to another, so nothing may depend on a session.
func TestMCPStatelessEveryVersion(t *testing.T) {
	a, b, _ := mcpServers(t, nil)
	ctx := context.Background()
	for _, v := range []string{"2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"} {
		t.Run(v, func(t *testing.T) {
			cs, err := connect(t, a, b, testKey, v)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer cs.Close()
			if got := cs.InitializeResult().ProtocolVersion; got != v {
				t.Errorf("negotiated %s, want %s", got, v)
			}
			// 2026-07-28 has no ping (nor logging/setLevel): its requests are
			// self-contained, with nothing to keep alive.
			if err := cs.Ping(ctx, nil); err != nil && v < "2026-07-28" {
				t.Errorf("ping: %v", err)
			}
			tools, err := cs.ListTools(ctx, nil)
			if err != nil {
				t.Fatalf("tools/list: %v", err)
			}
			var names []string
			for _, tl := range tools.Tools {
				names = append(names, tl.Name)
				an := tl.Annotations
				if an == nil || !an.ReadOnlyHint || !an.IdempotentHint || an.OpenWorldHint == nil || *an.OpenWorldHint {
					t.Errorf("%s: annotations %+v", tl.Name, an)
				}
				if tl.OutputSchema == nil || tl.Description == "" {
					t.Errorf("%s: no output schema or description", tl.Name)
				}
			}
			if strings.Join(names, ",") != "describe_table,explain,list_tables,query" {
				t.Errorf("tools %v", names)
			}
			m := structured(t, callTool(t, cs, "query", map[string]any{"sql": "SELECT id, name FROM customers WHERE id <= $1 ORDER BY id", "params": []any{3}, "max_rows": 2}))
			if m["row_count"] != float64(2) || m["truncated"] != true || len(m["rows"].([]any)) != 2 {
				t.Errorf("query: %v", m)
			}
		})
	}
}

func TestMCPTools(t *testing.T) {
	owner, err := pgx.Connect(context.Background(), cluster.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = owner.Exec(context.Background(), `COMMENT ON TABLE orders IS 'One row per order'; COMMENT ON COLUMN orders.status IS 'new, paid, shipped or cancelled'`)
	owner.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a, b, logs := mcpServers(t, map[string]string{"DB_SCHEMAS": "public,private"})
	cs, err := connect(t, a, b, testKey, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	ctx := context.Background()

	t.Run("list_tables", func(t *testing.T) {
		m := structured(t, callTool(t, cs, "list_tables", map[string]any{}))
		got := []string{}
		for _, x := range m["tables"].([]any) {
			e := x.(map[string]any)
			got = append(got, e["schema"].(string)+"."+e["name"].(string)+":"+e["kind"].(string))
			if e["name"] == "orders" && e["comment"] != "One row per order" {
				t.Errorf("orders comment %v", e["comment"])
			}
		}
		// private.api_secrets is in DB_SCHEMAS but not readable: not listed.
		if want := "public.audit_log:table,public.customer_totals:view,public.customers:table,public.orders:table"; strings.Join(got, ",") != want {
			t.Errorf("tables %v, want %s", got, want)
		}
		// Paging: two per page, the cursor carries on where the page ended.
		var paged []string
		cursor := ""
		for range 5 {
			args := map[string]any{"limit": 2}
			if cursor != "" {
				args["cursor"] = cursor
			}
			m := structured(t, callTool(t, cs, "list_tables", args))
			for _, x := range m["tables"].([]any) {
				paged = append(paged, x.(map[string]any)["name"].(string))
			}
			cursor, _ = m["next_cursor"].(string)
			if cursor == "" {
				break
			}
		}
		if strings.Join(paged, ",") != "audit_log,customer_totals,customers,orders" {
			t.Errorf("paged %v", paged)
		}
		m = structured(t, callTool(t, cs, "list_tables", map[string]any{"pattern": "CUSTOMER"}))
		if n := len(m["tables"].([]any)); n != 2 {
			t.Errorf("pattern CUSTOMER: %d tables", n)
		}
	})

	t.Run("describe_table", func(t *testing.T) {
		m := structured(t, callTool(t, cs, "describe_table", map[string]any{"table": "public.orders"}))
		if m["kind"] != "table" || m["comment"] != "One row per order" {
			t.Errorf("orders: %v", m)
		}
		if pk, _ := json.Marshal(m["primary_key"]); string(pk) != `["id"]` {
			t.Errorf("primary key %s", pk)
		}
		cols := m["columns"].([]any)
		status := cols[3].(map[string]any)
		if len(cols) != 5 || status["name"] != "status" || status["type"] != "text" || status["nullable"] != false || status["comment"] != "new, paid, shipped or cancelled" {
			t.Errorf("columns %v", cols)
		}
		fks, _ := json.Marshal(m["foreign_keys"])
		if !strings.Contains(string(fks), "REFERENCES customers(id)") {
			t.Errorf("foreign keys %s", fks)
		}
		idx, _ := json.Marshal(m["indexes"])
		if !strings.Contains(string(idx), `"primary":true`) {
			t.Errorf("indexes %s", idx)
		}
		c := structured(t, callTool(t, cs, "describe_table", map[string]any{"table": "customers"}))
		refs, _ := json.Marshal(c["referenced_by"])
		if !strings.Contains(string(refs), `"table":"orders"`) {
			t.Errorf("customers referenced_by %s", refs)
		}
		if bal := c["columns"].([]any)[4].(map[string]any); bal["type"] != "numeric(12,2)" || bal["default"] != "0" {
			t.Errorf("balance %v", bal)
		}
	})

	t.Run("explain", func(t *testing.T) {
		m := structured(t, callTool(t, cs, "explain", map[string]any{"sql": "SELECT * FROM orders WHERE id = $1", "params": []any{5}}))
		plan, _ := m["plan"].(string)
		if !strings.Contains(plan, "Index Scan") || strings.Contains(plan, "actual time") {
			t.Errorf("plan %q", plan)
		}
	})

	t.Run("errors are tool results", func(t *testing.T) {
		before := checksum(t)
		for _, c := range []struct {
			tool string
			args map[string]any
			want string
		}{
			{"query", map[string]any{"sql": "DELETE FROM orders"}, "statement_not_allowed"},
			{"query", map[string]any{"sql": "SELECT $1::int"}, "invalid_params: the statement uses 1 placeholder ($1) but no params were given"},
			{"query", map[string]any{"sql": "SELECT nope FROM orders"}, "sql_error"},
			{"query", map[string]any{"sql": "SELECT record_visit('x')"}, "function_not_allowed"},
			{"query", map[string]any{"sql": "SELECT * FROM private.api_secrets"}, "permission_denied"},
			{"query", map[string]any{"sql": 1}, `"sql" must be a string`},
			{"query", map[string]any{"sql": "SELECT 1", "database": "x"}, `unknown field "database"`},
			{"query", map[string]any{"sql": "SELECT 1", "max_rows": 0}, `"max_rows" must be at least 1`},
			{"explain", map[string]any{"sql": "DELETE FROM orders"}, "statement_not_allowed"},
			{"explain", map[string]any{"sql": "SELECT 1; DELETE FROM orders"}, "statement_not_allowed"},
			{"describe_table", map[string]any{"table": "api_secrets", "schema": "private"}, "not_found"},
			{"describe_table", map[string]any{}, `"table" is required`},
			{"list_tables", map[string]any{"cursor": "!!"}, "cursor"},
		} {
			res := callTool(t, cs, c.tool, c.args)
			if !res.IsError || !strings.Contains(text(res), c.want) || res.StructuredContent != nil {
				t.Errorf("%s %v: isError=%v %q, want an error containing %q", c.tool, c.args, res.IsError, text(res), c.want)
			}
		}
		if checksum(t) != before {
			t.Fatal("the database changed")
		}
		if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "drop_database"}); err == nil {
			t.Error("unknown tool: no protocol error")
		}
	})

	t.Run("protocol surface", func(t *testing.T) {
		res, err := cs.ListResources(ctx, nil)
		if err != nil || len(res.Resources) != 1 {
			t.Fatalf("resources/list: %v %v", res, err)
		}
		rr, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: res.Resources[0].URI})
		if err != nil || !strings.Contains(rr.Contents[0].Text, `"name":"customers"`) {
			t.Errorf("resources/read: %v", err)
		}
		ps, err := cs.ListPrompts(ctx, nil)
		if err != nil || len(ps.Prompts) != 1 {
			t.Fatalf("prompts/list: %v %v", ps, err)
		}
		gp, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: ps.Prompts[0].Name, Arguments: map[string]string{"question": "who buys most?"}})
		if err != nil || !strings.Contains(gp.Messages[0].Content.(*mcp.TextContent).Text, "who buys most?") {
			t.Errorf("prompts/get: %v", err)
		}
		old, err := connect(t, a, b, testKey, "2025-11-25")
		if err != nil {
			t.Fatal(err)
		}
		defer old.Close()
		if err := old.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "warning"}); err != nil {
			t.Errorf("logging/setLevel: %v", err)
		}
		cr, err := cs.Complete(ctx, &mcp.CompleteParams{Ref: &mcp.CompleteReference{Type: "ref/prompt", Name: "explore_database"}, Argument: mcp.CompleteParamsArgument{Name: "question", Value: "w"}})
		if err != nil || cr.Completion.Values == nil {
			t.Errorf("completion/complete: %v %v", cr, err)
		}
	})

	t.Run("audit", func(t *testing.T) {
		callTool(t, cs, "query", map[string]any{"sql": "SELECT id FROM customers WHERE id = 1"})
		callTool(t, cs, "query", map[string]any{"sql": "select  id from CUSTOMERS where id = 2 -- again"})
		var calls []map[string]any
		for _, l := range logs.lines(t) {
			if l["msg"] == "tool_call" {
				calls = append(calls, l)
			}
		}
		if len(calls) < 2 {
			t.Fatalf("%d tool_call lines", len(calls))
		}
		x, y := calls[len(calls)-2], calls[len(calls)-1]
		if x["sql_fingerprint"] == nil || x["sql_fingerprint"] != y["sql_fingerprint"] {
			t.Errorf("fingerprints %v, %v: the same query with other values must match", x["sql_fingerprint"], y["sql_fingerprint"])
		}
		if x["tool"] != "query" || x["status"] != "ok" || x["rows"] != float64(1) || x["bytes"].(float64) <= 0 || x["duration_ms"] == nil || x["key_id"] != keyID(testKey) {
			t.Errorf("audit line %v", x)
		}
		for _, l := range logs.lines(t) {
			raw, _ := json.Marshal(l)
			if strings.Contains(string(raw), testKey) || strings.Contains(string(raw), "WHERE id = 2") {
				t.Fatalf("the log holds the key or the statement: %s", raw)
			}
		}
	})
}

// TestMCPRefusals checks what happens before the SDK runs: the key, the
// Origin and the Host.
func TestMCPRefusals(t *testing.T) {
	a, b, _ := mcpServers(t, nil)
	for _, key := range []string{"", "wrong-key-0123456789abcdef"} {
		if _, err := connect(t, a, b, key, ""); err == nil {
			t.Errorf("key %q: connected", key)
		}
	}
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	post := func(host, origin, key string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/mcp", strings.NewReader(init))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if host != "" {
			req.Host = host
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp, m
	}
	self := strings.TrimPrefix(a.URL, "http://")
	for _, c := range []struct {
		name, host, origin, key string
		status                  int
	}{
		{"no key", "", "", "", 401},
		{"wrong key", "", "", "wrong-key-0123456789abcdef", 401},
		{"foreign origin", "", "https://evil.example", testKey, 403},
		{"foreign origin, no key", "", "https://evil.example", "", 403},
		{"own origin", "", "http://" + self, testKey, 200},
		{"rebinding host on loopback", "evil.example", "", testKey, 403},
		{"rebinding host with its own origin", "evil.example", "http://evil.example", testKey, 403},
		{"localhost name", "localhost" + self[strings.LastIndex(self, ":"):], "", testKey, 200},
	} {
		resp, m := post(c.host, c.origin, c.key)
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d, want %d (%v)", c.name, resp.StatusCode, c.status, m)
			continue
		}
		if c.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: WWW-Authenticate %q", c.name, resp.Header.Get("WWW-Authenticate"))
		}
		if c.status != 200 {
			if e, _ := m["error"].(map[string]any); m["jsonrpc"] != "2.0" || e["message"] == "" {
				t.Errorf("%s: body is not a JSON-RPC error: %v", c.name, m)
			}
		}
	}
	// Behind a platform that forwards over loopback with the public Host
	// (Azure's Functions host), CheckLoopbackHost is off and the host is
	// accepted, and so is its own name as Origin.
	fwd, _ := newTestHandler(t, cluster.AgentURL, nil)
	srv := httptest.NewServer(fwd)
	defer srv.Close()
	a = srv
	if resp, m := post("app.azurewebsites.net", "https://app.azurewebsites.net", testKey); resp.StatusCode != 200 {
		t.Errorf("forwarded cloud host: %d %v", resp.StatusCode, m)
	}
	// A cloud host with no loopback listener at all (a Function URL).
	h, _ := newTestHandler(t, cluster.AgentURL, nil)
	const cloud = "abc123.lambda-url.eu-west-1.on.aws"
	req := httptest.NewRequest(http.MethodPost, "https://"+cloud+"/mcp", strings.NewReader(init))
	for k, v := range map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream", "Authorization": "Bearer " + testKey, "Origin": "https://" + cloud} {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"protocolVersion":"2025-06-18"`) {
		t.Errorf("cloud host: %d %s", rec.Code, rec.Body)
	}
}
