package connector

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkMCPToolsCallWarm is a warm tools/call of the query tool through
// the whole handler, the SDK's stateless transport included, next to
// BenchmarkQueryWarm's REST call of the same statement.
func BenchmarkMCPToolsCallWarm(b *testing.B) {
	h, _ := newTestHandler(b, cluster.AgentURL, nil)
	h.log = newDiscardLogger()
	defer h.Close()
	body := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT id, name, balance FROM customers WHERE id = $1","params":[42]}}}`
	benchMCP(b, h, body, `"structuredContent"`)
}

// BenchmarkMCPPingWarm is a warm ping through the same path, with no
// database work: what the SDK's stateless transport and our checks cost on
// their own, per request.
func BenchmarkMCPPingWarm(b *testing.B) {
	h, _ := newTestHandler(b, cluster.AgentURL, nil)
	h.log = newDiscardLogger()
	defer h.Close()
	body := `{"jsonrpc":"2.0","id":7,"method":"ping"}`
	benchMCP(b, h, body, `"result":{}`)
}

// benchMCP times b.N warm POSTs of one JSON-RPC message to /mcp, each
// checked for a 200 whose body contains want.
func benchMCP(b *testing.B, h *Handler, body, want string) {
	hdr := map[string]string{"Authorization": "Bearer " + testKey, "Content-Type": "application/json",
		"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
	call := func() {
		r := do(h, http.MethodPost, "/mcp", strings.NewReader(body), hdr)
		if r.status != http.StatusOK || !strings.Contains(string(r.body), want) {
			b.Fatalf("%d %s", r.status, r.body)
		}
	}
	call()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		call()
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

// BenchmarkMCPToolHandler is the same query through our tool handler alone
// (arguments decoded, core call, audit line, result built), with no SDK
// transport: what our side of /mcp costs next to BenchmarkQueryWarm's REST
// call. The rest of BenchmarkMCPToolsCallWarm is the SDK's.
func BenchmarkMCPToolHandler(b *testing.B) {
	h, _ := newTestHandler(b, cluster.AgentURL, nil)
	h.log = newDiscardLogger()
	defer h.Close()
	var handler mcp.ToolHandler
	for _, t := range h.tools() {
		if t.tool.Name == "query" {
			handler = t.handler
		}
	}
	args := json.RawMessage(`{"sql":"SELECT id, name, balance FROM customers WHERE id = $1","params":[42]}`)
	hdr := http.Header{"Authorization": {"Bearer " + testKey}}
	call := func() {
		req := &mcp.CallToolRequest{Params: &mcp.CallToolParamsRaw{Name: "query", Arguments: args}, Extra: &mcp.RequestExtra{Header: hdr}}
		res, err := handler(context.Background(), req)
		if err != nil || res.IsError || res.StructuredContent == nil {
			b.Fatalf("%v %+v", err, res)
		}
	}
	call()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		call()
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}
