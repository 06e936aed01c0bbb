package connector_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/ai-agent-connector/ai-agent-connector/function/connector"
)

// An entrypoint builds one handler and serves it however its platform delivers
// requests. NewHandler reads nothing: /health answers with no configuration at all.
func ExampleNewHandler() {
	h := connector.NewHandler(connector.Options{
		Platform: "example",
		Logger:   slog.New(slog.DiscardHandler),
		Getenv:   func(string) string { return "" },
	})
	defer h.Close()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 200 {"status":"healthy"}
}

// The first request that needs the database builds the app from the environment
// (DATABASE_URL, API_KEYS, ...); a query is one POST with a bearer key.
func ExampleHandler_ServeHTTP() {
	env := map[string]string{
		"DATABASE_URL": connector.ClusterURL(),
		"API_KEYS":     "example-key-0123456789abcdef",
	}
	h := connector.NewHandler(connector.Options{
		Platform: "example",
		Logger:   slog.New(slog.DiscardHandler),
		Getenv:   func(k string) string { return env[k] },
	})
	defer h.Close()

	post := func(key, body string) {
		req := httptest.NewRequest(http.MethodPost, "/v1/query", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body.String())
	}
	post(env["API_KEYS"], `{"sql": "SELECT $1::int + 1 AS n", "params": [41]}`)
	post(env["API_KEYS"], `{"sql": "DELETE FROM t"}`)
	post("", `{"sql": "SELECT 1"}`)
	// Output:
	// 200 {"columns":[{"name":"n","type":"int4"}],"rows":[[42]],"row_count":1,"truncated":false}
	// 400 {"error":{"code":"statement_not_allowed","message":"only read queries are allowed (SELECT, WITH, VALUES, TABLE); DELETE is a write"}}
	// 401 {"error":{"code":"unauthorized","message":"missing API key: send Authorization: Bearer \u003ckey\u003e"}}
}
