package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/function/sqlguard"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// QueryRequest is a query the core runs, already decoded from its transport.
type QueryRequest struct {
	SQL string
	// Params are the values of $1, $2, ...: nil, bool, string (numbers
	// keep their JSON text) or []*string (an array, for "= ANY($1)"), as
	// decodeParams makes them.
	Params []any
	// MaxRows lowers the configured row cap for this query; nil keeps it.
	MaxRows *int
}

// Result is an answered query.
type Result struct {
	// JSON is the encoded answer, written straight from the server's text
	// format: {"columns":[...],"rows":[...],"row_count":n,"truncated":b} and, when
	// truncated, "truncated_reason".
	JSON      json.RawMessage
	Rows      int
	Truncated bool
	// TruncatedReason is why: "max_rows", "max_result_bytes" or
	// "row_too_large"; empty when nothing was cut.
	TruncatedReason string
}

// query validates, screens and runs one query.
func (a *app) query(ctx context.Context, q QueryRequest) (Result, *Error) {
	sql, maxRows, e := prepareQuery(q, a.cfg.MaxRows)
	if e != nil {
		return Result{}, e
	}
	return a.run(ctx, sql, q.Params, maxRows)
}

// prepareQuery checks a request without the database: the statement is
// present and screened, the params match its placeholders, and the row cap
// is at most capRows. It returns the screened statement and the row cap.
func prepareQuery(q QueryRequest, capRows int) (string, int, *Error) {
	if q.SQL == "" {
		return "", 0, newError(CodeInvalidRequest, `"sql" is required`)
	}
	// The protocol sends statement text NUL-terminated: a NUL would cut the
	// text short and break the message, which the server answers by
	// dropping the connection. It is the request's fault, not the database's.
	if strings.IndexByte(q.SQL, 0) >= 0 {
		return "", 0, newError(CodeInvalidRequest, `"sql" contains a NUL character (\u0000), which PostgreSQL statement text cannot hold`)
	}
	if len(q.Params) > maxParams {
		return "", 0, newError(CodeInvalidParams, fmt.Sprintf("at most %d params are allowed", maxParams))
	}
	st, err := sqlguard.Check(q.SQL)
	if err != nil {
		return "", 0, screenError(err)
	}
	if st.Params != len(q.Params) {
		return "", 0, newError(CodeInvalidParams, paramsMismatch(st.Params, len(q.Params)))
	}
	maxRows := capRows
	if q.MaxRows != nil {
		if *q.MaxRows < 1 {
			return "", 0, newError(CodeInvalidRequest, `"max_rows" must be at least 1`)
		}
		// A request may lower the cap, never raise it.
		maxRows = min(maxRows, *q.MaxRows)
	}
	return st.SQL, maxRows, nil
}

// screenError passes the screener's reason on: a statement it cannot read
// (syntax_error: fix the typo), a call it refuses (function_not_allowed:
// use another function), or anything else it refuses
// (statement_not_allowed).
func screenError(err error) *Error {
	code := CodeStatementNotAllowed
	var rj *sqlguard.Rejection
	if errors.As(err, &rj) {
		switch rj.Code {
		case sqlguard.CodeSyntaxError:
			code = CodeSyntaxError
		case sqlguard.CodeFunctionNotAllowed:
			code = CodeFunctionNotAllowed
		}
	}
	return newError(code, err.Error())
}

func paramsMismatch(placeholders, params int) string {
	var uses string
	switch placeholders {
	case 0:
		uses = "has no placeholders"
	case 1:
		uses = "uses 1 placeholder ($1)"
	default:
		uses = fmt.Sprintf("uses %d placeholders ($1..$%d)", placeholders, placeholders)
	}
	given := fmt.Sprintf("%d params were given", params)
	switch params {
	case 0:
		given = "no params were given"
	case 1:
		given = "1 param was given"
	}
	return "the statement " + uses + " but " + given
}

// beginQuery opens the READ ONLY transaction and sets the server-side
// budget in one round trip.
func beginQuery(budget time.Duration) string {
	ms := strconv.FormatInt(budget.Milliseconds(), 10)
	return "BEGIN READ ONLY; SET LOCAL statement_timeout = " + ms + "; SET LOCAL idle_in_transaction_session_timeout = " + ms
}

// acquire takes a pooled connection, waiting at most ACQUIRE_TIMEOUT_MS, and
// records the wait (with any connection set-up) as the request's db-acquire.
func acquire(ctx context.Context, a *app) (*pgxpool.Conn, *Error) {
	if e := a.priv.refusal(); e != nil {
		return nil, e
	}
	actx, cancel := context.WithTimeout(ctx, a.cfg.AcquireTimeout)
	defer cancel()
	start := time.Now()
	conn, err := a.pool.Acquire(actx)
	timingsFrom(ctx).acquire = time.Since(start)
	if err != nil {
		return nil, acquireError(err)
	}
	return conn, nil
}

// queryContext bounds a statement: the server cancels it at the budget
// (statement_timeout); the client deadline a second later is a backstop for
// a server that stops answering at all.
func queryContext(ctx context.Context, a *app) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, a.cfg.QueryTimeout+time.Second)
}

// run executes the screened statement and encodes the answer: one round
// trip on a warm connection (see pipeline.go). The statement is wrapped so
// the server stops after maxRows+1 rows: one more than the cap tells the
// result was cut.
func (a *app) run(ctx context.Context, sql string, args []any, maxRows int) (Result, *Error) {
	return execQuery(ctx, a, sql, args, maxRows)
}

// queryError tells the agent's mistakes (bad params, SQL errors) from faults.
func queryError(err error, conn *pgxpool.Conn, budget time.Duration) *Error {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) && !conn.Conn().IsClosed() && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		// The driver refused the params before anything reached the server;
		// its message names Go types, so it goes to no one.
		return newError(CodeInvalidParams, "the params cannot be sent to PostgreSQL: pass strings, numbers, booleans, null or an array of those")
	}
	return dbError(err, budget.Milliseconds())
}

func rollback(tx pgx.Tx, conn *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		// A connection that could not roll back is not reused.
		_ = conn.Conn().Close(ctx)
	}
}
