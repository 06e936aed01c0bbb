package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ai-agent-connector/ai-agent-connector/function/sqlguard"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Request limits. A body this size holds any sensible query; past it the
// request is refused before it is parsed.
const (
	maxBodyBytes = 256 << 10
	maxParams    = 100
	maxArrayLen  = 1000
)

type queryRequest struct {
	SQL     string            `json:"sql"`
	Params  []json.RawMessage `json:"params"`
	MaxRows *int              `json:"max_rows"`
}

func (h *Handler) query(w http.ResponseWriter, r *http.Request, a *app) {
	req, args, aerr := decodeQuery(w, r)
	if aerr != nil {
		writeError(w, r, aerr)
		return
	}
	st, err := sqlguard.Check(req.SQL)
	if err != nil {
		writeError(w, r, errorf(http.StatusBadRequest, "statement_not_allowed", err.Error()))
		return
	}
	if st.Params != len(args) {
		writeError(w, r, errorf(http.StatusBadRequest, "invalid_params",
			fmt.Sprintf("the statement uses %d placeholder(s) ($1..$%d) but %d param(s) were given", st.Params, st.Params, len(args))))
		return
	}
	maxRows := a.cfg.MaxRows
	if req.MaxRows != nil {
		if *req.MaxRows < 1 {
			writeError(w, r, errorf(http.StatusBadRequest, "invalid_request", "max_rows must be at least 1"))
			return
		}
		// A request may lower the cap, never raise it.
		maxRows = min(maxRows, *req.MaxRows)
	}
	body, aerr := h.run(r.Context(), a, st.SQL, args, maxRows)
	if aerr != nil {
		writeError(w, r, aerr)
		return
	}
	writeRaw(w, http.StatusOK, body)
}

// decodeQuery reads and checks the request body: JSON, bounded, valid
// UTF-8, known fields only, one value.
func decodeQuery(w http.ResponseWriter, r *http.Request) (queryRequest, []any, *apiError) {
	var req queryRequest
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return req, nil, errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the request as Content-Type: application/json")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return req, nil, errorf(http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the request body is over %d bytes", maxBodyBytes))
		}
		return req, nil, errorf(http.StatusBadRequest, "invalid_request", "cannot read the request body")
	}
	// encoding/json would quietly replace invalid UTF-8; refuse it instead.
	if !utf8.Valid(raw) {
		return req, nil, errorf(http.StatusBadRequest, "invalid_json", "the request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, nil, errorf(http.StatusBadRequest, "invalid_json", "the request body is not a valid query object: "+err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, nil, errorf(http.StatusBadRequest, "invalid_json", "the request body holds more than one JSON value")
	}
	if req.SQL == "" {
		return req, nil, errorf(http.StatusBadRequest, "invalid_request", `"sql" is required`)
	}
	// The protocol sends statement text NUL-terminated: a NUL would cut the
	// text short and break the message, which the server answers by
	// dropping the connection. It is the request's fault, not the database's.
	if strings.IndexByte(req.SQL, 0) >= 0 {
		return req, nil, errorf(http.StatusBadRequest, "invalid_request", `"sql" contains a NUL character (\u0000), which PostgreSQL statement text cannot hold`)
	}
	if len(req.Params) > maxParams {
		return req, nil, errorf(http.StatusBadRequest, "invalid_params", fmt.Sprintf("at most %d params are allowed", maxParams))
	}
	args := make([]any, len(req.Params))
	for i, p := range req.Params {
		v, err := decodeParam(p, true)
		if err != nil {
			return req, nil, errorf(http.StatusBadRequest, "invalid_params", fmt.Sprintf("params[%d]: %v", i, err))
		}
		args[i] = v
	}
	return req, args, nil
}

// decodeParam turns one JSON param into a value pgx can send: a scalar, or
// (at the top level) an array of scalars for "= ANY($1)".
func decodeParam(raw json.RawMessage, top bool) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, errors.New("empty value")
	}
	switch raw[0] {
	case 'n':
		return nil, nil
	case 't', 'f':
		var b bool
		err := json.Unmarshal(raw, &b)
		return b, err
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '[':
		if !top {
			return nil, errors.New("nested arrays are not supported")
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
		if len(items) > maxArrayLen {
			return nil, fmt.Errorf("arrays may hold at most %d items", maxArrayLen)
		}
		// Sent as text[]: the server casts it to the column's array type.
		out := make([]*string, len(items))
		for i, it := range items {
			v, err := decodeParam(it, false)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			if v != nil {
				s := fmt.Sprint(v)
				out[i] = &s
			}
		}
		return out, nil
	case '{':
		return nil, errors.New("objects are not supported; pass JSON as a string and cast it ($1::jsonb)")
	default:
		// Numbers keep their exact text; the server parses them for the
		// parameter's type, so no float rounding happens here.
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, err
		}
		return string(n), nil
	}
}

// beginQuery opens the READ ONLY transaction and sets the server-side
// budget in one round trip.
func beginQuery(budget time.Duration) string {
	ms := strconv.FormatInt(budget.Milliseconds(), 10)
	return "BEGIN READ ONLY; SET LOCAL statement_timeout = " + ms + "; SET LOCAL idle_in_transaction_session_timeout = " + ms
}

func acquireError(err error) *apiError {
	if errors.Is(err, context.DeadlineExceeded) {
		return unavailable("pool_exhausted", "no database connection became free in time; retry shortly")
	}
	return dbError(err, 0)
}

// acquire takes a pooled connection, waiting at most ACQUIRE_TIMEOUT_MS, and
// records the wait (with any connection set-up) as the request's db-acquire.
func acquire(ctx context.Context, a *app) (*pgxpool.Conn, *apiError) {
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

// run executes the screened statement and encodes the answer. The statement
// is wrapped so the server stops after maxRows+1 rows: one more than the
// cap tells the result was cut.
func (h *Handler) run(ctx context.Context, a *app, sql string, args []any, maxRows int) ([]byte, *apiError) {
	t := timingsFrom(ctx)
	conn, aerr := acquire(ctx, a)
	if aerr != nil {
		return nil, aerr
	}
	defer conn.Release()

	budget := a.cfg.QueryTimeout
	qctx, qcancel := queryContext(ctx, a)
	defer qcancel()
	start := time.Now()
	defer func() { t.query = time.Since(start) }()

	tx, err := conn.BeginTx(qctx, pgx.TxOptions{BeginQuery: beginQuery(budget)})
	if err != nil {
		return nil, dbError(err, budget.Milliseconds())
	}
	// Nothing is ever committed.
	defer rollback(tx, conn)

	wrapped := "SELECT * FROM (\n" + sql + "\n) AS agent_query LIMIT " + strconv.Itoa(maxRows+1)
	args = append([]any{pgx.QueryResultFormats{pgx.TextFormatCode}}, args...)
	rows, err := tx.Query(qctx, wrapped, args...)
	if err != nil {
		return nil, queryError(err, conn, budget)
	}
	defer rows.Close()
	enc := newResultEncoder(conn.Conn().TypeMap(), rows.FieldDescriptions(), a.cfg.MaxResultBytes)
	for rows.Next() {
		if enc.rows == maxRows || !enc.addRow(rows.RawValues()) {
			enc.truncated = true
			break
		}
	}
	if !enc.truncated {
		if err := rows.Err(); err != nil {
			var tooBig *pgproto3.ExceededMaxBodyLenErr
			if !errors.As(err, &tooBig) {
				return nil, queryError(err, conn, budget)
			}
			// A row too big to read (see buildApp): cut the result there;
			// pgx has dropped the connection and the pool replaces it.
			enc.truncated = true
		}
	}
	t.rows, t.truncated = enc.rows, enc.truncated
	return enc.finish(), nil
}

// queryError tells the agent's mistakes (bad params, SQL errors) from faults.
func queryError(err error, conn *pgxpool.Conn, budget time.Duration) *apiError {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) && !conn.Conn().IsClosed() && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		// The driver refused the params before anything reached the server.
		return errorf(http.StatusBadRequest, "invalid_params", err.Error())
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
