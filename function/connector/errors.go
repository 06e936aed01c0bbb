package connector

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"
)

// apiError is what every failed request answers:
// {"error": {"code": "...", "message": "..."}}.
type apiError struct {
	status     int
	Code       string `json:"code"`
	Message    string `json:"message"`
	SQLState   string `json:"sqlstate,omitempty"`
	retryAfter int
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, msg string) *apiError {
	return &apiError{status: status, Code: code, Message: msg}
}

func unavailable(code, msg string) *apiError {
	return &apiError{status: http.StatusServiceUnavailable, Code: code, Message: msg, retryAfter: 1}
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

func writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	timingsFrom(r.Context()).errCode = e.Code
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ai-agent-connector"`)
	}
	writeJSON(w, e.status, struct {
		Error *apiError `json:"error"`
	}{e})
}

// dbError maps a database or driver error to what the agent sees. Errors the
// agent caused are 4xx with PostgreSQL's message; faults are a fast 503.
func dbError(err error, budgetMS int64) *apiError {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		e := &apiError{SQLState: pg.Code, Message: pg.Message}
		switch {
		case pg.Code == "57014": // query_canceled: our statement_timeout
			e.status, e.Code = http.StatusUnprocessableEntity, "query_timeout"
			e.Message = "the query ran past its " + strconv.FormatInt(budgetMS, 10) + " ms budget and was cancelled on the server"
		case pg.Code == "25006": // read_only_sql_transaction
			e.status, e.Code = http.StatusForbidden, "read_only"
			e.Message = "writes are not allowed: " + pg.Message
		case pg.Code == "42501":
			e.status, e.Code = http.StatusForbidden, "permission_denied"
		case pg.Code == "53300" || pg.Code == "53000" || pg.Code == "57P03":
			e.status, e.Code, e.retryAfter = http.StatusServiceUnavailable, "database_busy", 1
		case pg.Code[:2] == "08" || pg.Code[:2] == "57" || pg.Code[:2] == "53" || pg.Code[:2] == "58" || pg.Code[:2] == "XX":
			e.status, e.Code, e.retryAfter = http.StatusServiceUnavailable, "database_unavailable", 1
			e.Message = "the database is unavailable: " + pg.Message
		default:
			e.status, e.Code = http.StatusBadRequest, "sql_error"
		}
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return unavailable("database_timeout", "the database did not answer in time")
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) || errors.Is(err, net.ErrClosed) {
		return unavailable("database_unavailable", "the database is unreachable")
	}
	return unavailable("database_unavailable", "the database connection failed")
}
