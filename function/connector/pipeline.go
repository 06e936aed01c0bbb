package connector

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgxpool"
)

// One round trip per warm query. The whole transaction goes to the server
// as one extended-protocol pipeline with a single Sync:
//
//	BEGIN READ ONLY
//	SET LOCAL statement_timeout / idle_in_transaction_session_timeout / work_mem / standard_conforming_strings
//	Flush
//	the agent's statement, wrapped with LIMIT max_rows+1, text results
//	ROLLBACK
//	Sync
//
// The server runs the messages in order, so the statement is parsed and run
// inside the READ ONLY transaction with every SET LOCAL in force, and the
// ROLLBACK ends the transaction before the server answers Sync: on success
// nothing is left open and no second round trip is needed. SET LOCAL is
// transaction-scoped, which is why this works through PgBouncer in
// transaction mode and leaves RDS Proxy nothing session-level to pin
// (the same SET LOCAL class main already used).
//
// After an error the server skips every message up to Sync, ROLLBACK
// included, and reports the transaction failed (ReadyForQuery 'E'); only
// then is a ROLLBACK sent, a second round trip on the error path alone.
//
// On a connection that sat idle (see stalePooledConn) a Flush follows the
// preamble: the server answers BEGIN and the SETs at once, before the
// statement runs, without waiting for the client. That early answer is the
// liveness check, at no extra round trip, and it tells a connection that
// was dead before the request from one that died while the statement ran.

const (
	// workMem caps each sort or hash node of an agent's query. 4MB is
	// PostgreSQL's own default: enough for the lookups and small aggregates
	// agents run, while a role or database tuned higher for reports cannot
	// hand that much to every agent query (a plan may use several times
	// work_mem, hash nodes twice it). Bigger sorts spill to temp files,
	// which temp_file_limit bounds (set by the stacks, a superuser setting).
	workMem = "4MB"

	// stalePooledConn is how long a pooled connection may sit idle before
	// it is suspected dead: a NAT cut-off, a Lambda freeze or a failover
	// drops sockets silently, and only idle ones can have been dropped
	// unnoticed. A suspected connection must answer the preamble within
	// livenessTimeout, or the request moves to a fresh connection.
	stalePooledConn = time.Second
	// livenessTimeout is far above any healthy round trip to a pooler or a
	// database (0.1-2 ms in one region) and low enough that a request on a
	// dead connection still answers within a second. A pooler that queues
	// the transaction longer (its pool full) costs one reconnect, not an
	// error: the retry has no liveness deadline. Finding a live connection
	// is part of acquiring one, so it takes at most half of
	// ACQUIRE_TIMEOUT_MS, and the retry's connect gets the rest.
	livenessTimeout = 500 * time.Millisecond
)

// idleKey carries a *time.Duration through Acquire into the pool's
// ShouldPing hook, which records how long the connection was idle.
type idleKey struct{}

// preamble opens the READ ONLY transaction and sets its bounds.
func preamble(budget time.Duration) [5]string {
	ms := strconv.FormatInt(budget.Milliseconds(), 10)
	return [5]string{
		"BEGIN READ ONLY",
		"SET LOCAL statement_timeout = " + ms,
		"SET LOCAL idle_in_transaction_session_timeout = " + ms,
		"SET LOCAL work_mem = '" + workMem + "'",
		// The screener reads strings as PostgreSQL does with this on; a
		// role or database set to off cannot change how this statement
		// is parsed.
		"SET LOCAL standard_conforming_strings = on",
	}
}

var textResults = []int16{pgx.TextFormatCode}

// unlockAll follows every ROLLBACK, in the same round trip: session-level
// advisory locks are the one thing a read-only statement can take that
// ROLLBACK does not release, so if one ever got past the screener it would
// stay on the pooled connection (and a million of them fill the server's
// lock table). Releasing none costs the server microseconds.
const unlockAll = "SELECT pg_advisory_unlock_all()"

// execQuery runs one screened statement and encodes the answer. It makes
// one attempt on a pooled connection and, when that connection had sat idle
// and turns out dead before it answered anything, one more on a fresh one:
// every agent statement is read-only and nothing was answered yet, so
// running it again is safe. A connection that answered and then died is
// not retried, since the statement itself may have killed it (a backend
// crash restarts every session of the server: not something to do twice);
// nor is one used within the last second, which cannot tell the two apart
// without the early answer, and had no time to die unnoticed.
//
// The request never takes longer than ACQUIRE_TIMEOUT_MS + QUERY_TIMEOUT_MS
// + 1 s in all (the budget the fault tests hold): the retry gets only what
// the first attempt left of the acquire part.
func execQuery(ctx context.Context, a *app, sql string, args []any, maxRows int) (Result, *Error) {
	start := time.Now()
	res, aerr, dead := execOnce(ctx, a, sql, args, maxRows, a.cfg.AcquireTimeout)
	if !dead || ctx.Err() != nil {
		return res, aerr
	}
	left := a.cfg.AcquireTimeout - time.Since(start)
	if left <= 0 {
		return res, aerr
	}
	// Connections idle as long as the dead one have likely died the same
	// way (one freeze, one NAT, one failover): drop them all, so the retry
	// dials afresh instead of finding the next corpse.
	evictIdle(a.pool)
	timingsFrom(ctx).retried = true
	res, aerr, _ = execOnce(ctx, a, sql, args, maxRows, left)
	return res, aerr
}

// execOnce is one attempt. dead reports a stale connection that failed
// before the server answered anything.
func execOnce(ctx context.Context, a *app, sql string, args []any, maxRows int, acquireTimeout time.Duration) (res Result, aerr *Error, dead bool) {
	t := timingsFrom(ctx)
	if e := a.priv.refusal(); e != nil {
		return Result{}, e, false
	}
	idle := time.Duration(-1)
	actx, acancel := context.WithTimeout(context.WithValue(ctx, idleKey{}, &idle), acquireTimeout)
	astart := time.Now()
	conn, err := a.pool.Acquire(actx)
	acancel()
	t.acquire += time.Since(astart)
	if err != nil {
		return Result{}, acquireError(err), false
	}
	defer release(conn)
	pc := conn.Conn().PgConn()
	// The server reports this at connect and whenever it changes. SET LOCAL
	// pins it per transaction anyway; a server that still says off has a
	// role or database set against the screener's reading of strings, and
	// is refused rather than trusted to the per-transaction pin alone.
	if v := pc.ParameterStatus("standard_conforming_strings"); v != "on" {
		return Result{}, unavailable(CodeUnsafeServerSetting, "the database reports standard_conforming_strings="+strconv.Quote(v)+
			" for this role; queries are refused until it is on: ALTER ROLE <role> RESET standard_conforming_strings (and the same for ALTER DATABASE)"), false
	}
	var eqb pgx.ExtendedQueryBuilder
	if err := eqb.Build(conn.Conn().TypeMap(), nil, args); err != nil {
		// The driver refused the params before anything reached the server;
		// its message names Go types, so it goes to no one.
		return Result{}, newError(CodeInvalidParams, "the params cannot be sent to PostgreSQL: pass strings, numbers, booleans, null or an array of those"), false
	}

	budget := a.cfg.QueryTimeout
	qctx, qcancel := queryContext(ctx, a)
	defer qcancel()
	// state: 0 waiting for the first answer, 1 answered, 2 given up on.
	var state atomic.Int32
	stale := idle > stalePooledConn
	if stale {
		lctx, lcancel := context.WithCancel(qctx)
		defer lcancel()
		timer := time.AfterFunc(min(livenessTimeout, a.cfg.AcquireTimeout/2), func() {
			if state.CompareAndSwap(0, 2) {
				lcancel()
			}
		})
		defer timer.Stop()
		qctx = lctx
	}
	qstart := time.Now()
	defer func() { t.query += time.Since(qstart) }()

	pre := preamble(budget)
	p := pc.StartPipeline(qctx)
	for _, s := range pre {
		p.SendQueryParams(s, nil, nil, nil, nil)
	}
	if stale {
		// Only a suspect connection needs the early answer: on a warm one
		// it would cost a second packet and wake-up per query.
		p.SendFlushRequest()
	}
	wrapped := "SELECT * FROM (\n" + sql + "\n) AS agent_query LIMIT " + strconv.Itoa(maxRows+1)
	p.SendQueryParams(wrapped, eqb.ParamValues, nil, eqb.ParamFormats, textResults)
	p.SendQueryParams("ROLLBACK", nil, nil, nil, nil)
	p.SendQueryParams(unlockAll, nil, nil, nil, nil)
	p.SendPipelineSync()

	fail := func(err error) (Result, *Error, bool) {
		_ = p.Close()
		answered := state.Load() == 1
		var pg *pgconn.PgError
		broken := pc.IsClosed() && (!errors.As(err, &pg) || pg.Severity == "FATAL")
		if !broken {
			endFailedTx(conn)
		}
		if state.Load() == 2 {
			err = errDeadConn
		}
		return Result{}, dbError(err, budget.Milliseconds()), stale && broken && !answered
	}
	if err := p.Flush(); err != nil {
		return fail(err)
	}
	for i := range pre {
		got, err := p.GetResults()
		if err == nil && got == nil {
			err = errors.New("pipeline: the server sent no result for the preamble")
		}
		if err != nil {
			return fail(err)
		}
		if rr, ok := got.(*pgconn.ResultReader); ok {
			if _, err := rr.Close(); err != nil {
				return fail(err)
			}
		}
		if i == 0 && !state.CompareAndSwap(0, 1) && state.Load() == 2 {
			return fail(errDeadConn)
		}
	}

	got, err := p.GetResults()
	if err != nil {
		return fail(err)
	}
	rr, ok := got.(*pgconn.ResultReader)
	if !ok {
		return fail(errors.New("pipeline: no result for the statement"))
	}
	enc := newResultEncoder(conn.Conn().TypeMap(), rr.FieldDescriptions(), a.cfg.MaxResultBytes)
	for rr.NextRow() {
		if enc.rows == maxRows {
			enc.truncate("max_rows")
			break
		}
		if !enc.addRow(rr.Values()) {
			// The first row alone is over the byte cap: say so, since
			// an empty result otherwise looks like a bug.
			if enc.rows == 0 {
				enc.truncate("row_too_large")
			} else {
				enc.truncate("max_result_bytes")
			}
			break
		}
	}
	// Close reads what is left of the result (at most max_rows+1 rows).
	if _, err := rr.Close(); err != nil {
		var tooBig *pgproto3.ExceededMaxBodyLenErr
		switch {
		case enc.truncated:
			// The answer is complete; what failed is reading past it.
		case errors.As(err, &tooBig):
			// A row too big to read (see buildApp): cut the result there;
			// pgx has dropped the connection and release discards it.
			enc.truncate("row_too_large")
		default:
			return fail(err)
		}
	}
	if !pc.IsClosed() {
		// ROLLBACK and Sync: the transaction ends here.
		if err := drain(p); err != nil && !enc.truncated {
			return fail(err)
		}
	}
	_ = p.Close()
	endFailedTx(conn) // only if an error came after the answer was complete
	t.rows, t.truncated = enc.rows, enc.truncated
	return Result{JSON: enc.finish(), Rows: enc.rows, Truncated: enc.truncated, TruncatedReason: enc.reason}, nil, false
}

// errDeadConn is what a connection that never answered its preamble is
// reported as.
var errDeadConn = errors.New("the database connection did not answer in time")

// drain reads the pipeline's remaining results up to its Sync.
func drain(p *pgconn.Pipeline) error {
	for {
		res, err := p.GetResults()
		if err != nil {
			return err
		}
		switch r := res.(type) {
		case nil, *pgconn.PipelineSync:
			return nil
		case *pgconn.ResultReader:
			if _, err := r.Close(); err != nil {
				return err
			}
		}
	}
}

// endFailedTx ends a transaction the server left open after an error: the
// second round trip of the error path. A connection that cannot is
// closed, and release then discards it.
func endFailedTx(conn *pgxpool.Conn) {
	pc := conn.Conn().PgConn()
	if pc.IsClosed() || pc.TxStatus() == 'I' {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := pc.Exec(ctx, "ROLLBACK; "+unlockAll).ReadAll(); err != nil || pc.TxStatus() != 'I' {
		_ = pc.Conn().Close()
	}
}

// release gives a connection back to the pool, or, when it is broken, takes
// it out of the pool at once: Hijack frees the slot now, where the pool
// would hold it until pgx's cleanup of the dead socket ended (up to 15 s,
// pgx #948 / #2394), and closing the socket ends that cleanup.
func release(conn *pgxpool.Conn) {
	c := conn.Conn()
	pc := c.PgConn()
	if !c.IsClosed() && !pc.IsBusy() && pc.TxStatus() == 'I' {
		conn.Release()
		return
	}
	raw := conn.Hijack()
	if raw.IsClosed() {
		_ = raw.PgConn().Conn().Close()
		return
	}
	go closeQuietly(raw)
}

// evictIdle closes every idle pooled connection.
func evictIdle(pool *pgxpool.Pool) {
	for _, c := range pool.AcquireAllIdle(context.Background()) {
		go closeQuietly(c.Hijack())
	}
}

// closeQuietly says goodbye to the server when it can, within a second.
func closeQuietly(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = c.Close(ctx)
}
