package connector

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The MCP adapter: /mcp over Streamable HTTP, with the official go-sdk.
// Stateless, so any instance answers any request, and built on the first
// /mcp request so /health and REST never pay for it. Error codes map to
// MCP here and nowhere else (mcpErrorBody, toolResult).

// serverVersion is reported in initialize and server/discover.
const serverVersion = "1.0.0"

type mcpEndpoint struct {
	once    sync.Once
	handler http.Handler
	origin  *http.CrossOriginProtection
}

// serveMCP checks, in order, the Origin, the Host (DNS rebinding) and the
// key, each before the SDK sees the request, so a page in a browser learns
// nothing, not even whether a key would be needed.
func (h *Handler) serveMCP(w http.ResponseWriter, r *http.Request) {
	m := &h.mcp
	m.once.Do(func() {
		m.origin = http.NewCrossOriginProtection()
		srv := h.newMCPServer()
		m.handler = mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv },
			&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true, MaxRequestBodyBytes: maxBodyBytes,
				// Checked above, before the key, when the entrypoint asks for it.
				DisableLocalhostProtection: true})
	})
	// A request with a foreign Origin comes from a web page the user
	// visited, not from an agent: 403. Agents send no Origin, or their own.
	if err := m.origin.Check(r); err != nil {
		writeMCPError(w, r, newError(CodeForbidden, "cross-origin requests are refused: the Origin header does not match the host"))
		return
	}
	// DNS rebinding: a page can point its own name at 127.0.0.1 and reach a
	// server on loopback with a same-origin request. On loopback only
	// loopback names are accepted. This is the SDK's own check, done here
	// so it answers before the key check, and only where the entrypoint
	// listens itself (Options.CheckLoopbackHost): a platform that forwards
	// over loopback keeps the public Host, which must be accepted.
	if h.opts.CheckLoopbackHost && rebound(r) {
		writeMCPError(w, r, newError(CodeForbidden, "the Host header "+strconv.Quote(r.Host)+" is not a loopback name, and this server listens on loopback"))
		return
	}
	a, built, err := h.app.get(r.Context())
	if err != nil {
		h.log.Error("app init failed", "platform", h.opts.Platform, "err", err.Error())
		writeMCPError(w, r, unavailable(CodeNotReady, "the function could not start; its log has the reason"))
		return
	}
	h.recordInit(r.Context(), a, built)
	release, e := a.admit(r.Header.Get("Authorization"))
	if e != nil {
		writeMCPError(w, r, e)
		return
	}
	defer release()
	m.handler.ServeHTTP(w, r)
}

// rebound says a request reached a loopback listener under a name that is
// not loopback.
func rebound(r *http.Request) bool {
	la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok || la == nil {
		return false
	}
	ap, err := netip.ParseAddrPort(la.String())
	if err != nil || !ap.Addr().IsLoopback() {
		return false
	}
	host := r.Host
	if hp, _, err := net.SplitHostPort(host); err == nil {
		host = hp
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err != nil || !ip.IsLoopback()
}

// writeMCPError answers a refusal before the SDK runs as a JSON-RPC error
// body (clients surface its message) with the HTTP status REST would use.
func writeMCPError(w http.ResponseWriter, r *http.Request, e *Error) {
	timingsFrom(r.Context()).errCode = e.Code
	status := statusOf(e.Code)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ai-agent-connector"`)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	body, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "id": nil,
		"error": map[string]any{"code": jsonrpcCode(e.Code), "message": e.Message, "data": e},
	})
	writeRaw(w, status, body)
}

// jsonrpcCode is the one map from error codes to JSON-RPC error codes, for
// the failures that are not a tool's answer.
func jsonrpcCode(code string) int64 {
	switch code {
	case CodeUnauthorized, CodeForbidden:
		return -32001 // implementation-defined server error: not authorized
	case CodeInvalidJSON:
		return jsonrpc.CodeParseError
	case CodeInvalidRequest, CodeInvalidParams, CodeNotFound:
		return jsonrpc.CodeInvalidParams
	}
	return jsonrpc.CodeInternalError
}

// toolResult turns the core's answer into a tool result. Everything the
// agent can act on, its own mistakes and transient faults alike, is a
// result with isError, so the model sees the message and can correct or
// retry; only an internal failure is a JSON-RPC error.
func toolResult(doc json.RawMessage, e *Error) (*mcp.CallToolResult, error) {
	if e == nil {
		// structuredContent is what clients that read schemas use; the text
		// is the same JSON for the others, as the spec recommends.
		return &mcp.CallToolResult{
			Content:           []mcp.Content{&mcp.TextContent{Text: string(doc)}},
			StructuredContent: doc,
		}, nil
	}
	if e.Code == CodeInternal {
		return nil, &jsonrpc.Error{Code: jsonrpcCode(e.Code), Message: e.Message}
	}
	msg := e.Code + ": " + e.Message
	if e.SQLState != "" {
		msg += " (SQLSTATE " + e.SQLState + ")"
	}
	if e.RetryAfter > 0 {
		msg += "; this is transient: retry in " + strconv.Itoa(e.RetryAfter) + " s"
	}
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: msg}}}, nil
}

// newMCPServer builds the server: tools with hand-written schemas (no
// reflection at construction), one resource, one prompt. It runs on the
// first /mcp request only; the SDK then reuses it for every request.
func (h *Handler) newMCPServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "ai-agent-connector", Title: "PostgreSQL (read-only)", Version: serverVersion}, &mcp.ServerOptions{
		Instructions: "Read-only access to a PostgreSQL database. Start with list_tables, then describe_table for the tables you need, " +
			"then query with $1, $2 placeholders and params instead of inlined values. Use explain to check a heavy query's plan first. " +
			"Every statement runs in a READ ONLY transaction with a time budget and a row cap; results say when they were truncated.",
		CompletionHandler: func(context.Context, *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
			return &mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: []string{}}}, nil
		},
	})
	for _, t := range h.tools() {
		s.AddTool(t.tool, t.handler)
	}
	s.AddResource(&mcp.Resource{
		URI: schemaResourceURI, Name: "schema", MIMEType: "application/json",
		Description: "Every table and view in DB_SCHEMAS with its columns, types and nullability (the REST /v1/schema document).",
	}, h.readSchemaResource)
	s.AddPrompt(&mcp.Prompt{
		Name:        "explore_database",
		Title:       "Explore this database",
		Description: "Survey the database read-only and answer a question about its data.",
		Arguments:   []*mcp.PromptArgument{{Name: "question", Description: "what you want to find out (optional)"}},
	}, explorePrompt)
	return s
}

const schemaResourceURI = "postgres://schema"

func (h *Handler) readSchemaResource(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	a, _, err := h.app.get(ctx)
	if err != nil {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "the function could not start"}
	}
	doc, e := a.schema(ctx)
	if e != nil {
		return nil, &jsonrpc.Error{Code: jsonrpcCode(e.Code), Message: e.Code + ": " + e.Message}
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: schemaResourceURI, MIMEType: "application/json", Text: string(doc)}}}, nil
}

func explorePrompt(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	text := "Explore this PostgreSQL database with the read-only tools. Call list_tables to see what there is, " +
		"describe_table on the tables that look relevant (columns, keys, indexes, comments), " +
		"then run small queries with query (keep max_rows low, use params for values, check heavy ones with explain first). " +
		"Summarise what the data holds and how the tables relate."
	if q := strings.TrimSpace(req.Params.Arguments["question"]); q != "" {
		text += "\n\nThe question to answer: " + q
	}
	return &mcp.GetPromptResult{
		Description: "Explore this database",
		Messages:    []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}},
	}, nil
}

type mcpTool struct {
	tool    *mcp.Tool
	handler mcp.ToolHandler
}

// readOnly are the hints every tool carries: clients auto-approve on them
// and connector directories require them.
func readOnly(title string) *mcp.ToolAnnotations {
	no := false
	return &mcp.ToolAnnotations{Title: title, ReadOnlyHint: true, IdempotentHint: true, DestructiveHint: &no, OpenWorldHint: &no}
}

func (h *Handler) tools() []mcpTool {
	return []mcpTool{
		{&mcp.Tool{
			Name:  "query",
			Title: "Run a read-only SQL query",
			Description: "Run one read-only SQL statement (SELECT, WITH, VALUES, TABLE) and get its rows. " +
				"Pass values as params for $1, $2, ... rather than inlining them. Rows are capped (max_rows, and a server cap) and the answer says truncated when cut.",
			Annotations:  readOnly("Run a read-only SQL query"),
			InputSchema:  json.RawMessage(queryInputSchema),
			OutputSchema: json.RawMessage(queryOutputSchema),
		}, h.toolHandler("query", func(ctx context.Context, a *app, args json.RawMessage, c *toolCall) (json.RawMessage, *Error) {
			q, e := parseQuery(args, "the arguments object")
			if e != nil {
				return nil, e
			}
			c.sql = q.SQL
			res, e := a.query(ctx, q)
			c.rows = res.Rows
			return res.JSON, e
		})},
		{&mcp.Tool{
			Name:         "list_tables",
			Title:        "List tables and views",
			Description:  "List the tables and views this role can read, with their kind and comment, one page at a time. Filter by schema and by a name pattern.",
			Annotations:  readOnly("List tables and views"),
			InputSchema:  json.RawMessage(listTablesInputSchema),
			OutputSchema: json.RawMessage(listTablesOutputSchema),
		}, h.toolHandler("list_tables", func(ctx context.Context, a *app, args json.RawMessage, c *toolCall) (json.RawMessage, *Error) {
			var in struct {
				Schema  string `json:"schema"`
				Pattern string `json:"pattern"`
				Limit   int    `json:"limit"`
				Cursor  string `json:"cursor"`
			}
			if e := decodeArgs(args, &in, `"schema", "pattern", "limit" and "cursor"`); e != nil {
				return nil, e
			}
			return a.listTables(ctx, ListTablesRequest{Schema: in.Schema, Pattern: in.Pattern, Limit: in.Limit, Cursor: in.Cursor})
		})},
		{&mcp.Tool{
			Name:         "describe_table",
			Title:        "Describe a table or view",
			Description:  "Describe one table or view: columns with types, nullability, defaults and comments, the primary key, foreign keys both ways, and indexes.",
			Annotations:  readOnly("Describe a table or view"),
			InputSchema:  json.RawMessage(describeInputSchema),
			OutputSchema: json.RawMessage(describeOutputSchema),
		}, h.toolHandler("describe_table", func(ctx context.Context, a *app, args json.RawMessage, c *toolCall) (json.RawMessage, *Error) {
			var in struct {
				Schema string `json:"schema"`
				Table  string `json:"table"`
			}
			if e := decodeArgs(args, &in, `"table" and "schema"`); e != nil {
				return nil, e
			}
			return a.describeTable(ctx, DescribeTableRequest{Schema: in.Schema, Table: in.Table})
		})},
		{&mcp.Tool{
			Name:         "explain",
			Title:        "Show a query's plan",
			Description:  "Show PostgreSQL's plan for a read-only statement without running it (EXPLAIN, never ANALYZE). The statement is screened exactly as query screens it.",
			Annotations:  readOnly("Show a query's plan"),
			InputSchema:  json.RawMessage(explainInputSchema),
			OutputSchema: json.RawMessage(explainOutputSchema),
		}, h.toolHandler("explain", func(ctx context.Context, a *app, args json.RawMessage, c *toolCall) (json.RawMessage, *Error) {
			var in struct {
				SQL    string            `json:"sql"`
				Params []json.RawMessage `json:"params"`
			}
			if e := decodeArgs(args, &in, `"sql" and "params"`); e != nil {
				return nil, e
			}
			c.sql = in.SQL
			params, e := decodeParams(in.Params)
			if e != nil {
				return nil, e
			}
			return a.explain(ctx, QueryRequest{SQL: in.SQL, Params: params})
		})},
	}
}

// decodeArgs decodes tool arguments strictly; absent arguments are {}.
func decodeArgs(args json.RawMessage, v any, fields string) *Error {
	if len(args) == 0 || string(args) == "null" {
		args = json.RawMessage("{}")
	}
	return decodeStrict(args, v, "the arguments object", fields)
}

// toolCall is what the audit line says about one call.
type toolCall struct {
	sql  string
	rows int
}

// toolHandler wraps a tool's core call: the app, the result mapping and
// one audit line per call.
func (h *Handler) toolHandler(name string, run func(context.Context, *app, json.RawMessage, *toolCall) (json.RawMessage, *Error)) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		start := time.Now()
		var c toolCall
		var doc json.RawMessage
		// serveMCP built the app and checked the key before the SDK ran.
		var e *Error
		if a, _, err := h.app.get(ctx); err != nil {
			e = unavailable(CodeNotReady, "the function could not start; its log has the reason")
		} else {
			doc, e = run(ctx, a, req.Params.Arguments, &c)
		}
		status := "ok"
		if e != nil {
			status = e.Code
		}
		var key string
		if req.Extra != nil && req.Extra.Header != nil {
			_, key, _ = strings.Cut(req.Extra.Header.Get("Authorization"), " ")
		}
		attrs := []slog.Attr{
			slog.String("tool", name),
			slog.String("key_id", keyID(strings.TrimSpace(key))),
			slog.String("status", status),
			slog.Int("rows", c.rows),
			slog.Int("bytes", len(doc)),
			slog.Float64("duration_ms", ms(time.Since(start))),
		}
		if c.sql != "" {
			attrs = append(attrs, slog.String("sql_fingerprint", fingerprint(c.sql)))
		}
		h.log.LogAttrs(ctx, slog.LevelInfo, "tool_call", attrs...)
		return toolResult(doc, e)
	}
}

// The tools' JSON schemas, written by hand: the SDK's reflection would
// cost time on the first request and say less.
const (
	paramsSchema = `{"type":"array","description":"Values for $1, $2, ... in order: strings, numbers, booleans, null, or an array of those (for = ANY($1)). Pass JSON as a string and cast it ($1::jsonb).","maxItems":100,"items":{}}`

	queryInputSchema = `{"type":"object","properties":{` +
		`"sql":{"type":"string","description":"One read-only SQL statement, with $1, $2, ... for values."},` +
		`"params":` + paramsSchema + `,` +
		`"max_rows":{"type":"integer","minimum":1,"description":"Return at most this many rows (the server's cap still applies)."}` +
		`},"required":["sql"],"additionalProperties":false}`

	queryOutputSchema = `{"type":"object","properties":{` +
		`"columns":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"type":{"type":"string","description":"PostgreSQL type name"}},"required":["name","type"]}},` +
		`"rows":{"type":"array","items":{"type":"array","description":"One row, values in column order"}},` +
		`"row_count":{"type":"integer"},` +
		`"truncated":{"type":"boolean","description":"true when rows were left out (row or byte cap)"},` +
		`"truncated_reason":{"type":"string","enum":["max_rows","max_result_bytes","row_too_large"],"description":"why rows were left out: the row cap, the response byte cap, or one row larger than the byte cap"}` +
		`},"required":["columns","rows","row_count","truncated"]}`

	listTablesInputSchema = `{"type":"object","properties":{` +
		`"schema":{"type":"string","description":"Only this schema (default: the configured schemas)."},` +
		`"pattern":{"type":"string","description":"Case-insensitive LIKE pattern on the name (% any run, _ one character); a plain word matches names containing it."},` +
		`"limit":{"type":"integer","minimum":1,"maximum":1000,"description":"Page size (default 100)."},` +
		`"cursor":{"type":"string","description":"next_cursor from the previous page."}` +
		`},"additionalProperties":false}`

	listTablesOutputSchema = `{"type":"object","properties":{` +
		`"tables":{"type":"array","items":{"type":"object","properties":{"schema":{"type":"string"},"name":{"type":"string"},"kind":{"type":"string"},"comment":{"type":"string"}},"required":["schema","name","kind"]}},` +
		`"next_cursor":{"type":"string","description":"Pass as cursor for the next page; absent on the last page."}` +
		`},"required":["tables"]}`

	describeInputSchema = `{"type":"object","properties":{` +
		`"table":{"type":"string","description":"Table or view name, optionally schema-qualified (schema.table)."},` +
		`"schema":{"type":"string","description":"Schema to look in (default: the configured schemas, in order)."}` +
		`},"required":["table"],"additionalProperties":false}`

	describeOutputSchema = `{"type":"object","properties":{` +
		`"schema":{"type":"string"},"name":{"type":"string"},"kind":{"type":"string"},"comment":{"type":["string","null"]},` +
		`"columns":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"type":{"type":"string"},"nullable":{"type":"boolean"},"default":{"type":["string","null"]},"comment":{"type":["string","null"]}},"required":["name","type","nullable"]}},` +
		`"primary_key":{"type":["array","null"],"items":{"type":"string"}},` +
		`"foreign_keys":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"definition":{"type":"string"}}}},` +
		`"referenced_by":{"type":"array","items":{"type":"object","properties":{"table":{"type":"string"},"name":{"type":"string"},"definition":{"type":"string"}}}},` +
		`"indexes":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"definition":{"type":"string"},"unique":{"type":"boolean"},"primary":{"type":"boolean"}}}}` +
		`},"required":["schema","name","kind","columns"]}`

	explainInputSchema = `{"type":"object","properties":{` +
		`"sql":{"type":"string","description":"The read-only statement to plan, with $1, $2, ... for values."},` +
		`"params":` + paramsSchema +
		`},"required":["sql"],"additionalProperties":false}`

	explainOutputSchema = `{"type":"object","properties":{"plan":{"type":"string","description":"EXPLAIN output, one plan node per line"}},"required":["plan"]}`
)
