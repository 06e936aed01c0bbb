package connector

import (
	"context"
	"errors"
	"net"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"
)

// Error is what the core returns when it cannot answer: transport-free, so
// REST maps Code to an HTTP status (statusOf in rest.go) and MCP to a tool
// error or a JSON-RPC error (mcp.go). A new failure gets a Code constant
// here and one line in each of those two maps.
type Error struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	SQLState string `json:"sqlstate,omitempty"`
	// RetryAfter, in seconds, says the failure is transient: the caller may
	// retry after that long.
	RetryAfter int `json:"-"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Codes. The caller's mistakes first (REST 4xx, an MCP tool result with
// isError), then faults (REST 5xx).
const (
	CodeUnauthorized         = "unauthorized"
	CodeForbidden            = "forbidden"
	CodeNotFound             = "not_found"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeBodyTooLarge         = "body_too_large"
	CodeInvalidJSON          = "invalid_json"
	CodeInvalidRequest       = "invalid_request"
	CodeInvalidParams        = "invalid_params"
	CodeStatementNotAllowed  = "statement_not_allowed"
	CodeSQLError             = "sql_error"
	CodeReadOnly             = "read_only"
	CodePermissionDenied     = "permission_denied"
	CodeQueryTimeout         = "query_timeout"
	// CodeTooManyRequests: the key has MAX_CONCURRENT_PER_KEY requests in
	// flight already (REST 429 with Retry-After).
	CodeTooManyRequests = "too_many_requests"

	CodeDatabaseBusy        = "database_busy"
	CodeDatabaseUnavailable = "database_unavailable"
	CodeDatabaseTimeout     = "database_timeout"
	CodePoolExhausted       = "pool_exhausted"
	// CodeUnsafeServerSetting: the server reports a setting under which
	// the screener would read statements differently from it.
	CodeUnsafeServerSetting = "unsafe_server_setting"
	CodeNotReady            = "not_ready"
	CodeCanceled            = "canceled"
	// CodePrivilegedRole: the database role can do more than read, so
	// agent SQL is refused until the operator connects as a read-only role.
	CodePrivilegedRole = "privileged_role"
	CodeInternal       = "internal"
)

func newError(code, msg string) *Error { return &Error{Code: code, Message: msg} }

// unavailable is a transient fault: retry in a second.
func unavailable(code, msg string) *Error {
	return &Error{Code: code, Message: msg, RetryAfter: 1}
}

// dbError maps a database or driver error to what the agent sees. Errors the
// agent caused keep PostgreSQL's message; faults are transient.
func dbError(err error, budgetMS int64) *Error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		e := &Error{SQLState: pg.Code, Message: pg.Message}
		switch {
		case pg.Code == "57014": // query_canceled: our statement_timeout
			e.Code = CodeQueryTimeout
			e.Message = "the query ran past its " + strconv.FormatInt(budgetMS, 10) + " ms budget and was cancelled on the server"
		case pg.Code == "25006": // read_only_sql_transaction
			e.Code = CodeReadOnly
			e.Message = "writes are not allowed: " + pg.Message
		case pg.Code == "42501":
			e.Code = CodePermissionDenied
		case pg.Code == "53300" || pg.Code == "53000" || pg.Code == "57P03":
			e.Code, e.RetryAfter = CodeDatabaseBusy, 1
		case pg.Code[:2] == "08" || pg.Code[:2] == "57" || pg.Code[:2] == "53" || pg.Code[:2] == "58" || pg.Code[:2] == "XX":
			e.Code, e.RetryAfter = CodeDatabaseUnavailable, 1
			e.Message = "the database is unavailable: " + pg.Message
		default:
			e.Code = CodeSQLError
		}
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return unavailable(CodeDatabaseTimeout, "the database did not answer in time")
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) || errors.Is(err, net.ErrClosed) {
		return unavailable(CodeDatabaseUnavailable, "the database is unreachable")
	}
	return unavailable(CodeDatabaseUnavailable, "the database connection failed")
}

func acquireError(err error) *Error {
	var priv errPrivileged
	if errors.As(err, &priv) {
		return priv.e
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return unavailable(CodePoolExhausted, "no database connection became free in time; retry shortly")
	}
	return dbError(err, 0)
}
