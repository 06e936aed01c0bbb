package connector

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// BenchmarkMCPToolsCallWarm is a warm tools/call of the query tool through
// the whole handler, the SDK's stateless transport included, next to
// BenchmarkQueryWarm's REST call of the same statement.
func BenchmarkMCPToolsCallWarm(b *testing.B) {
	h, _ := newTestHandler(b, cluster.AgentURL, nil)
	h.log = newDiscardLogger()
	defer h.Close()
	body := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT id, name, balance FROM customers WHERE id = $1","params":[42]}}}`
	hdr := map[string]string{"Authorization": "Bearer " + testKey, "Content-Type": "application/json",
		"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
	call := func() {
		r := do(h, http.MethodPost, "/mcp", strings.NewReader(body), hdr)
		if r.status != http.StatusOK || !strings.Contains(string(r.body), `"structuredContent"`) {
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
