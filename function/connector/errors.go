package connector

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"

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
	// CodeSyntaxError: the screener cannot read the statement (a typo, an
	// unterminated literal); CodeFunctionNotAllowed: it calls a function
	// the screener refuses. Both 400, as statement_not_allowed.
	CodeSyntaxError        = "syntax_error"
	CodeFunctionNotAllowed = "function_not_allowed"
	CodeSQLError           = "sql_error"
	CodeReadOnly           = "read_only"
	CodePermissionDenied   = "permission_denied"
	CodeQueryTimeout       = "query_timeout"
	// CodeQueryTooLarge: the statement ran into a server limit (temp files,
	// memory, program limits): narrow it; retrying as is fails again.
	CodeQueryTooLarge = "query_too_large"
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
	// CodeDatabaseError: the database failed internally on this statement
	// (XX class): neither the agent's mistake nor transient.
	CodeDatabaseError = "database_error"
	CodeInternal      = "internal"
)

func newError(code, msg string) *Error { return &Error{Code: code, Message: msg} }

// unavailable is a transient fault: retry in a second.
func unavailable(code, msg string) *Error {
	return &Error{Code: code, Message: msg, RetryAfter: 1}
}

// dbError maps a database or driver error to what the agent sees. The
// test is whose fault it is and whether retrying can help: what the
// statement caused (bad SQL, bad data, a query too big for the server's
// limits) keeps PostgreSQL's message and SQLSTATE and is never retryable;
// only a database that cannot serve right now is transient (RetryAfter).
func dbError(err error, budgetMS int64) *Error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pgError(pg, budgetMS)
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

// narrowHint ends the message of a query that hit a server limit.
const narrowHint = "; narrow the query: a tighter WHERE, fewer rows or columns, a LIMIT, smaller sorts, joins and aggregates"

func pgError(pg *pgconn.PgError, budgetMS int64) *Error {
	e := &Error{SQLState: pg.Code, Message: pg.Message}
	class := pg.Code
	if len(class) > 2 {
		class = class[:2]
	}
	switch {
	case pg.Code == "57014" && strings.Contains(pg.Message, "statement timeout"):
		e.Code = CodeQueryTimeout
		e.Message = "the query ran past its " + strconv.FormatInt(budgetMS, 10) + " ms budget and was cancelled on the server" + narrowHint
	case pg.Code == "25006": // read_only_sql_transaction
		e.Code = CodeReadOnly
		e.Message = "writes are not allowed: " + pg.Message
	case pg.Code == "42501":
		e.Code = CodePermissionDenied
	// Limits the statement ran into: temp_file_limit (53400), memory and
	// disk for its sorts and hashes (53200, 53100), and program limits
	// such as stack depth or too many columns (class 54). The same
	// statement fails the same way again.
	case pg.Code == "53400" || pg.Code == "53200" || pg.Code == "53100" || class == "54":
		e.Code = CodeQueryTooLarge
		e.Message = pg.Message + narrowHint
	case pg.Code == "XX000" && strings.Contains(pg.Message, "memory alloc request size"):
		// A value or array the query builds past PostgreSQL's 1 GB limit.
		e.Code = CodeQueryTooLarge
		e.Message = pg.Message + narrowHint
	// The server is full or busy with its own work: a retry can succeed.
	// Class 40 in a read-only transaction is a standby cancelling the
	// query for replication; 55P03 a lock held by someone else.
	case pg.Code == "53300" || pg.Code == "53000" || pg.Code == "57P03" || class == "40" || pg.Code == "55P03":
		e.Code, e.RetryAfter = CodeDatabaseBusy, 1
		e.Message = "the database is busy: " + pg.Message + "; retry shortly"
	// The function's own login is refused (password, IAM token, database
	// name): the agent cannot fix it, the operator can.
	case class == "28" || pg.Code == "3D000":
		e.Code, e.RetryAfter = CodeDatabaseUnavailable, 1
		e.Message = "the database refused the function's login: " + pg.Message + " (the function's log and settings have the rest)"
	case pg.Code == "58P01" || pg.Code == "58P02": // undefined_file, duplicate_file: a path the query named
		e.Code = CodeSQLError
	// Connection loss, shutdowns, cancellation by an operator, I/O
	// errors: the server, not the statement.
	case class == "08" || class == "57" || class == "58":
		e.Code, e.RetryAfter = CodeDatabaseUnavailable, 1
		e.Message = "the database is unavailable: " + pg.Message
	case class == "XX":
		// An internal error or corruption: not the agent's mistake, and
		// not something a retry fixes.
		e.Code = CodeDatabaseError
		e.Message = "the database failed running this query: " + pg.Message
	default:
		e.Code = CodeSQLError
	}
	return e
}
