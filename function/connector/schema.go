package connector

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
)

// schemaTTL bounds how stale /v1/schema may be: long enough that an agent's
// burst of calls costs one catalog query, short enough to see new tables.
const schemaTTL = time.Minute

// schemaCache holds the last answer. One request at a time refreshes it, so
// a burst of agents costs one catalog query; the others wait for that one, but
// no longer than ACQUIRE_TIMEOUT_MS, so a slow database gives them a fast 503
// rather than a queue.
type schemaCache struct {
	lock    chan struct{} // a mutex whose waiters can give up
	body    []byte
	expires time.Time
}

func newSchemaCache() schemaCache { return schemaCache{lock: make(chan struct{}, 1)} }

type schemaColumn struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
}

type schemaTable struct {
	Schema  string         `json:"schema"`
	Name    string         `json:"name"`
	Kind    string         `json:"kind"`
	Columns []schemaColumn `json:"columns"`
}

// information_schema shows only the columns the connecting role has some
// privilege on, so the answer is what the agent may query.
const schemaSQL = `SELECT c.table_schema, c.table_name, t.table_type, c.column_name, c.data_type, c.is_nullable = 'YES'
FROM information_schema.columns c
JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
WHERE c.table_schema = ANY($1)
ORDER BY c.table_schema, c.table_name, c.ordinal_position`

// schema answers the schema listing, from the cache when it is fresh.
func (a *app) schema(ctx context.Context) (json.RawMessage, *Error) {
	wait := time.NewTimer(a.cfg.AcquireTimeout)
	defer wait.Stop()
	select {
	case a.schemas.lock <- struct{}{}:
		defer func() { <-a.schemas.lock }()
	case <-wait.C:
		return nil, unavailable(CodeDatabaseBusy, "the schema is being loaded by another request and the database is slow; retry shortly")
	case <-ctx.Done():
		return nil, unavailable(CodeCanceled, "the request was canceled")
	}
	if a.schemas.body != nil && time.Now().Before(a.schemas.expires) {
		return a.schemas.body, nil
	}
	tables, e := a.loadSchema(ctx)
	if e != nil {
		return nil, e
	}
	body, err := json.Marshal(map[string]any{"schemas": a.cfg.Schemas, "tables": tables})
	if err != nil {
		return nil, newError(CodeInternal, "cannot encode the schema")
	}
	a.schemas.body, a.schemas.expires = body, time.Now().Add(schemaTTL)
	return body, nil
}

func (a *app) loadSchema(ctx context.Context) ([]schemaTable, *Error) {
	t := timingsFrom(ctx)
	conn, aerr := acquire(ctx, a)
	if aerr != nil {
		return nil, aerr
	}
	defer release(conn)
	qctx, qcancel := queryContext(ctx, a)
	defer qcancel()
	start := time.Now()
	defer func() { t.query = time.Since(start) }()
	var tables []schemaTable
	err := pgx.BeginTxFunc(qctx, conn, pgx.TxOptions{BeginQuery: beginQuery(a.cfg.QueryTimeout)}, func(tx pgx.Tx) error {
		rows, err := tx.Query(qctx, schemaSQL, a.cfg.Schemas)
		if err != nil {
			return err
		}
		var schema, table, kind, col, typ string
		var nullable bool
		_, err = pgx.ForEachRow(rows, []any{&schema, &table, &kind, &col, &typ, &nullable}, func() error {
			if n := len(tables); n == 0 || tables[n-1].Schema != schema || tables[n-1].Name != table {
				tables = append(tables, schemaTable{Schema: schema, Name: table, Kind: kindName(kind)})
			}
			last := &tables[len(tables)-1]
			last.Columns = append(last.Columns, schemaColumn{Name: col, Type: typ, Nullable: nullable})
			return nil
		})
		return err
	})
	if err != nil {
		return nil, dbError(err, a.cfg.QueryTimeout.Milliseconds())
	}
	if tables == nil {
		tables = []schemaTable{}
	}
	return tables, nil
}

func kindName(tableType string) string {
	switch tableType {
	case "BASE TABLE":
		return "table"
	case "VIEW":
		return "view"
	case "FOREIGN":
		return "foreign table"
	}
	return tableType
}
