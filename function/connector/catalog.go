package connector

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The catalog side of the core: explain, list_tables and describe_table.
// Like query, each takes a decoded request and answers a JSON document or
// an *Error, and runs in a READ ONLY transaction that is rolled back.

// readTx runs fn in a READ ONLY transaction with the query budget set on
// the server, then rolls it back: nothing is ever committed.
func (a *app) readTx(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) *Error {
	t := timingsFrom(ctx)
	conn, e := acquire(ctx, a)
	if e != nil {
		return e
	}
	defer release(conn)
	budget := a.cfg.QueryTimeout
	qctx, cancel := queryContext(ctx, a)
	defer cancel()
	start := time.Now()
	defer func() { t.query = time.Since(start) }()
	tx, err := conn.BeginTx(qctx, pgx.TxOptions{BeginQuery: beginQuery(budget)})
	if err != nil {
		return dbError(err, budget.Milliseconds())
	}
	defer rollback(tx, conn)
	if err := fn(qctx, tx); err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			return ce
		}
		return queryError(err, conn, budget)
	}
	return nil
}

// explain answers the plan of a query without running it: plain EXPLAIN,
// never ANALYZE. The statement is screened exactly as query screens it.
func (a *app) explain(ctx context.Context, q QueryRequest) (json.RawMessage, *Error) {
	q.MaxRows = nil
	sql, _, e := prepareQuery(q, 1)
	if e != nil {
		return nil, e
	}
	var plan strings.Builder
	e = a.readTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		// The options list makes sure nothing the statement starts with
		// can be read as an EXPLAIN option.
		rows, err := tx.Query(ctx, "EXPLAIN (FORMAT TEXT) "+sql, q.Params...)
		if err != nil {
			return err
		}
		var line string
		_, err = pgx.ForEachRow(rows, []any{&line}, func() error {
			if plan.Len() > 0 {
				plan.WriteByte('\n')
			}
			plan.WriteString(line)
			return nil
		})
		return err
	})
	if e != nil {
		return nil, e
	}
	return marshalDoc(map[string]string{"plan": plan.String()})
}

// ListTablesRequest pages through the tables and views the role can read.
type ListTablesRequest struct {
	// Schema limits the listing to one schema; empty means DB_SCHEMAS.
	Schema string
	// Pattern is a case-insensitive LIKE pattern on the name (% any run, _
	// one character); a pattern without either matches names containing it.
	Pattern string
	// Limit is the page size: 0 means defaultTablePage, at most maxTablePage.
	Limit int
	// Cursor is the next_cursor of the previous page.
	Cursor string
}

const (
	defaultTablePage = 100
	maxTablePage     = 1000
)

type tableEntry struct {
	Schema  string `json:"schema"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Comment string `json:"comment,omitempty"`
}

// has_any_column_privilege is true for table-wide and column-level grants
// alike, so the list is what the role may actually SELECT from.
const listTablesSQL = `SELECT n.nspname, c.relname, c.relkind::text, coalesce(obj_description(c.oid, 'pg_class'), '')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND has_schema_privilege(n.oid, 'USAGE') AND has_any_column_privilege(c.oid, 'SELECT')
  AND ($2::text = '' OR c.relname ILIKE $2::text)
  AND (n.nspname, c.relname) > ($3::text::name, $4::text::name)
ORDER BY n.nspname, c.relname
LIMIT $5::int`

func (a *app) listTables(ctx context.Context, req ListTablesRequest) (json.RawMessage, *Error) {
	limit := req.Limit
	switch {
	case limit == 0:
		limit = defaultTablePage
	case limit < 0:
		return nil, newError(CodeInvalidRequest, `"limit" must be at least 1`)
	case limit > maxTablePage:
		limit = maxTablePage
	}
	schemas := a.cfg.Schemas
	if req.Schema != "" {
		schemas = []string{req.Schema}
	}
	pattern := req.Pattern
	if pattern != "" && !strings.ContainsAny(pattern, "%_") {
		pattern = "%" + pattern + "%"
	}
	var afterSchema, afterName string
	if req.Cursor != "" {
		var ok bool
		if afterSchema, afterName, ok = decodeCursor(req.Cursor); !ok {
			return nil, newError(CodeInvalidRequest, `"cursor" is not one this server gave; pass the next_cursor of the previous page, or none for the first`)
		}
	}
	tables := []tableEntry{}
	more := false
	e := a.readTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, listTablesSQL, schemas, pattern, afterSchema, afterName, limit+1)
		if err != nil {
			return err
		}
		var t tableEntry
		_, err = pgx.ForEachRow(rows, []any{&t.Schema, &t.Name, &t.Kind, &t.Comment}, func() error {
			if len(tables) == limit {
				more = true
				return nil
			}
			t.Kind = relKind(t.Kind)
			tables = append(tables, t)
			return nil
		})
		return err
	})
	if e != nil {
		return nil, e
	}
	out := struct {
		Tables     []tableEntry `json:"tables"`
		NextCursor string       `json:"next_cursor,omitempty"`
	}{Tables: tables}
	if more {
		last := tables[len(tables)-1]
		out.NextCursor = encodeCursor(last.Schema, last.Name)
	}
	return marshalDoc(out)
}

func relKind(k string) string {
	switch k {
	case "r":
		return "table"
	case "p":
		return "partitioned table"
	case "v":
		return "view"
	case "m":
		return "materialized view"
	case "f":
		return "foreign table"
	}
	return k
}

// A cursor is the last (schema, name) of a page: keyset paging stays right
// when tables are added or dropped between pages.
func encodeCursor(schema, name string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(schema + "\x00" + name))
}

func decodeCursor(c string) (schema, name string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(b), "\x00")
}

// DescribeTableRequest names one table or view.
type DescribeTableRequest struct {
	// Schema is where to look; empty means the first of DB_SCHEMAS that has
	// it, or the part before a dot in Table.
	Schema string
	Table  string
}

// describeSQL builds the whole answer in the server, in one round trip:
// columns the role may read, keys, indexes and comments.
const describeSQL = `SELECT json_build_object(
  'schema', n.nspname, 'name', c.relname,
  'kind', CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
          WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' END,
  'comment', obj_description(c.oid, 'pg_class'),
  'columns', (SELECT coalesce(json_agg(json_build_object(
        'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'nullable', NOT a.attnotnull,
        'default', pg_get_expr(d.adbin, d.adrelid), 'comment', col_description(c.oid, a.attnum)) ORDER BY a.attnum), '[]')
      FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND has_column_privilege(c.oid, a.attnum, 'SELECT')),
  'primary_key', (SELECT json_agg(a.attname ORDER BY k.ord)
      FROM pg_constraint p CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = p.conrelid AND a.attnum = k.attnum
      WHERE p.conrelid = c.oid AND p.contype = 'p'),
  'foreign_keys', (SELECT coalesce(json_agg(json_build_object('name', f.conname, 'definition', pg_get_constraintdef(f.oid)) ORDER BY f.conname), '[]')
      FROM pg_constraint f WHERE f.conrelid = c.oid AND f.contype = 'f'),
  'referenced_by', (SELECT coalesce(json_agg(json_build_object('table', r.conrelid::regclass::text, 'name', r.conname, 'definition', pg_get_constraintdef(r.oid)) ORDER BY r.conname), '[]')
      FROM pg_constraint r WHERE r.confrelid = c.oid AND r.contype = 'f' AND has_any_column_privilege(r.conrelid, 'SELECT')),
  'indexes', (SELECT coalesce(json_agg(json_build_object('name', i.relname, 'definition', pg_get_indexdef(x.indexrelid),
        'unique', x.indisunique, 'primary', x.indisprimary) ORDER BY i.relname), '[]')
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid))::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[]) AND c.relname = $2::text AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND has_schema_privilege(n.oid, 'USAGE') AND has_any_column_privilege(c.oid, 'SELECT')
ORDER BY array_position($1::text[], n.nspname::text)
LIMIT 1`

func (a *app) describeTable(ctx context.Context, req DescribeTableRequest) (json.RawMessage, *Error) {
	if req.Table == "" {
		return nil, newError(CodeInvalidRequest, `"table" is required`)
	}
	schemas, table := a.cfg.Schemas, req.Table
	if req.Schema != "" {
		schemas = []string{req.Schema}
	} else if s, t, ok := strings.Cut(req.Table, "."); ok {
		schemas, table = []string{s}, t
	}
	var doc string
	e := a.readTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		err := tx.QueryRow(ctx, describeSQL, schemas, table).Scan(&doc)
		if err == pgx.ErrNoRows {
			return newError(CodeNotFound, "no table or view "+quoteName(table)+" that this role can read in schema "+strings.Join(schemas, ", ")+"; list_tables shows what there is")
		}
		return err
	})
	if e != nil {
		return nil, e
	}
	return json.RawMessage(doc), nil
}

func quoteName(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func marshalDoc(v any) (json.RawMessage, *Error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, newError(CodeInternal, "cannot encode the answer")
	}
	return b, nil
}
