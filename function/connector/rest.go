package connector

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
)

// The REST adapter: HTTP in, the core, HTTP out. HTTP statuses live here
// and nowhere else.

// maxBodyBytes bounds a request body: it holds any sensible query, and past
// it the request is refused before it is parsed.
const maxBodyBytes = 256 << 10

// statusOf is the one map from error codes to HTTP statuses.
func statusOf(code string) int {
	switch code {
	case CodeUnauthorized:
		return http.StatusUnauthorized
	case CodeForbidden, CodeReadOnly, CodePermissionDenied:
		return http.StatusForbidden
	case CodeNotFound:
		return http.StatusNotFound
	case CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case CodeUnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	case CodeBodyTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeInvalidJSON, CodeInvalidRequest, CodeInvalidParams, CodeStatementNotAllowed, CodeSyntaxError, CodeFunctionNotAllowed, CodeSQLError:
		return http.StatusBadRequest
	case CodeQueryTimeout, CodeQueryTooLarge:
		return http.StatusUnprocessableEntity
	case CodeTooManyRequests:
		return http.StatusTooManyRequests
	case CodeDatabaseBusy, CodeDatabaseUnavailable, CodeDatabaseTimeout, CodePoolExhausted, CodeNotReady, CodeCanceled, CodePrivilegedRole,
		CodeUnsafeServerSetting:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError // CodeInternal, CodeDatabaseError
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"cannot encode the response"}}`)
	}
	writeRaw(w, status, body)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError answers {"error": {"code": "...", "message": "..."}}.
func writeError(w http.ResponseWriter, r *http.Request, e *Error) {
	timingsFrom(r.Context()).errCode = e.Code
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	status := statusOf(e.Code)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ai-agent-connector"`)
	}
	writeJSON(w, status, struct {
		Error *Error `json:"error"`
	}{e})
}

// serveQuery is POST /v1/query: decode the body, run it through the core.
func (h *Handler) serveQuery(w http.ResponseWriter, r *http.Request, a *app) {
	req, e := decodeQuery(w, r)
	if e == nil {
		var res Result
		if res, e = a.query(r.Context(), req); e == nil {
			writeRaw(w, http.StatusOK, res.JSON)
			return
		}
	}
	writeError(w, r, e)
}

// serveSchema is GET /v1/schema.
func (h *Handler) serveSchema(w http.ResponseWriter, r *http.Request, a *app) {
	body, e := a.schema(r.Context())
	if e != nil {
		writeError(w, r, e)
		return
	}
	writeRaw(w, http.StatusOK, body)
}

// decodeQuery reads the request body, bounded, and parses it as a query.
func decodeQuery(w http.ResponseWriter, r *http.Request) (QueryRequest, *Error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return QueryRequest{}, newError(CodeUnsupportedMediaType, "send the request as Content-Type: application/json")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return QueryRequest{}, newError(CodeBodyTooLarge, fmt.Sprintf("the request body is over %d bytes", maxBodyBytes))
		}
		return QueryRequest{}, newError(CodeInvalidRequest, "cannot read the request body")
	}
	return parseQuery(raw, "the request body")
}
