package sqlguard

import (
	"strings"
	"testing"
)

func TestCheckAllows(t *testing.T) {
	cases := []struct {
		sql    string
		want   string
		params int
	}{
		{"SELECT 1", "SELECT 1", 0},
		{"select * from customers where id = $1;", "select * from customers where id = $1", 1},
		{"  WITH x AS (SELECT 1) SELECT * FROM x ;; ", "WITH x AS (SELECT 1) SELECT * FROM x", 0},
		{"VALUES (1), (2)", "VALUES (1), (2)", 0},
		{"TABLE customers", "TABLE customers", 0},
		{"(SELECT 1) UNION (SELECT 2)", "(SELECT 1) UNION (SELECT 2)", 0},
		{"SELECT 'delete; drop table x' AS s", "SELECT 'delete; drop table x' AS s", 0},
		{"SELECT $tag$ ; insert $tag$, $$;$$", "SELECT $tag$ ; insert $tag$, $$;$$", 0},
		{`SELECT "update" FROM t`, `SELECT "update" FROM t`, 0},
		{"SELECT E'it\\'s; fine'", "SELECT E'it\\'s; fine'", 0},
		{"SELECT 1 -- ; drop table x\n", "SELECT 1", 0},
		{"SELECT /* nested /* ; */ still */ 1", "SELECT /* nested /* ; */ still */ 1", 0},
		{"SELECT $1::int + $12", "SELECT $1::int + $12", 12},
		{"SELECT pg_sleep(0.1)", "SELECT pg_sleep(0.1)", 0},
		{"SELECT 1 -- done\r", "SELECT 1", 0},
		{"SELECT a$1 FROM t", "SELECT a$1 FROM t", 0},
		{`SELECT U&"d\0061t\+000061" FROM t`, `SELECT U&"d\0061t\+000061" FROM t`, 0},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			st, err := Check(c.sql)
			if err != nil {
				t.Fatalf("Check(%q): unexpected rejection: %v", c.sql, err)
			}
			if st.SQL != c.want || st.Params != c.params {
				t.Errorf("Check(%q) = %q, %d params; want %q, %d", c.sql, st.SQL, st.Params, c.want, c.params)
			}
		})
	}
}

func TestCheckRejects(t *testing.T) {
	const (
		syn = CodeSyntaxError
		stm = CodeStatementNotAllowed
		fn  = CodeFunctionNotAllowed
	)
	cases := []struct{ sql, code, msg string }{
		{"", syn, "empty"},
		{" ; ; ", syn, "empty"},
		{"-- only a comment", syn, "empty"},
		{"selec 1", syn, `"SELEC" starts no statement`},
		{"foo bar", syn, `"FOO"`},
		{strings.Repeat("é", 30), syn, strings.Repeat("É", 20) + "…"},
		{"'x'", syn, "starts with"},
		{"((", syn, "only parentheses"},
		{"SELECT 1) s UNION ALL SELECT 2 FROM (SELECT 1", syn, "closes nothing"},
		{"SELECT (1", syn, "not closed"},
		{"SELECT ')' AS p, (1", syn, "not closed"},
		{"INSERT INTO t VALUES (1)", stm, "INSERT is a write"},
		{"update t set a = 1", stm, "UPDATE is a write"},
		{"DELETE FROM t", stm, "a write"},
		{"DROP TABLE customers", stm, "DDL"},
		{"CREATE TABLE x (a int)", stm, "DDL"},
		{"ALTER ROLE agent SUPERUSER", stm, "DDL"},
		{"TRUNCATE customers", stm, "a write"},
		{"SELECT 1; DELETE FROM t", stm, "one statement"},
		{"SELECT 1; SELECT 2", stm, "one statement"},
		{"SET ROLE postgres", stm, "SET is a session setting"},
		{"set transaction read write", stm, "session setting"},
		{"RESET ALL", stm, "RESET"},
		{"SHOW work_mem", stm, "current_setting"},
		{"COPY customers TO PROGRAM 'id'", stm, "COPY"},
		{"COPY (SELECT 1) TO STDOUT", stm, "COPY"},
		{"LISTEN ch", stm, "LISTEN"},
		{"NOTIFY ch, 'x'", stm, "LISTEN"},
		{"DO $$ BEGIN PERFORM 1; END $$", stm, "procedural"},
		{"CALL p()", stm, "procedure"},
		{"BEGIN", stm, "transaction"},
		{"COMMIT", stm, "transaction"},
		{"EXPLAIN ANALYZE DELETE FROM t", stm, "EXPLAIN"},
		{"VACUUM", stm, "maintenance"},
		{"GRANT ALL ON t TO public", stm, "DDL"},
		{"PREPARE p AS SELECT 1", stm, "prepared"},
		{"WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", stm, "DELETE"},
		{"WITH u AS (UPDATE t SET a=1 RETURNING *) SELECT 1", stm, "UPDATE"},
		{"SELECT * INTO newt FROM t", stm, "SELECT INTO"},
		{"SELECT * FROM t FOR UPDATE", stm, "UPDATE"},
		{"SELECT * FROM t FOR SHARE", stm, "FOR SHARE"},
		{"SELECT * FROM t FOR NO KEY UPDATE", stm, "FOR NO"},
		{"SELECT 'unterminated", syn, "unterminated"},
		{`SELECT "unterminated`, syn, "unterminated"},
		{"SELECT /* unterminated", syn, "unterminated"},
		{"SELECT $q$ unterminated", syn, "unterminated"},
		{"SELECT $0", syn, "placeholders are $1 to $65535"},
		{"SELECT $65536", syn, "placeholder"},
		// Other sessions.
		{"SELECT query FROM pg_stat_activity", stm, "other sessions' SQL"},
		{"SELECT * FROM pg_catalog.pg_stat_activity", stm, "pg_stat_activity"},
		{`SELECT * FROM "pg_stat_activity"`, stm, "pg_stat_activity"},
		{"SELECT * FROM pg_locks", stm, "locks"},
		{"SELECT * FROM pg_stat_statements", stm, "SQL"},
		{"SELECT pg_stat_get_backend_activity(1)", fn, "other sessions"},
		{"SELECT * FROM pg_stat_get_activity(NULL)", fn, "other sessions"},
		{"SELECT * FROM pg_largeobject", stm, "large-object"},
		{"SELECT statement FROM pg_prepared_statements", stm, "pooler"},
		{"SELECT * FROM pg_cursor()", fn, "other sessions"},
		// Refused classes, whatever their volatility.
		{"SELECT set_config('role', 'postgres', false)", fn, "set_config"},
		{`SELECT "set_config"('role', 'postgres', false)`, fn, "set_config"},
		{"SELECT pg_catalog.set_config('x', 'y', true)", fn, "pg_catalog.set_config"},
		{`SELECT "pg_catalog"."lo_import"('/etc/passwd')`, fn, "large objects"},
		{"SELECT postgres.pg_catalog.lo_import('/etc/passwd')", fn, "lo_import"},
		{"SELECT PG_CATALOG . LO_EXPORT(1, '/tmp/x')", fn, "lo_export"},
		{"SELECT lo_from_bytea(0, 'x')", fn, "large objects"},
		{"SELECT pg_read_file('/etc/passwd')", fn, "server files"},
		{"SELECT * FROM pg_ls_dir('.')", fn, "server files"},
		{"SELECT nextval('s')", fn, "sequence"},
		{"SELECT pg_advisory_lock(1)", fn, "advisory locks"},
		{"SELECT pg_try_advisory_xact_lock(1)", fn, "advisory locks"},
		{"SELECT query_to_xml('delete from t', true, true, '')", fn, "runs SQL text"},
		{"SELECT * FROM ts_stat('SELECT to_tsvector(pg_advisory_lock(42)::text)')", fn, "ts_stat"},
		{"SELECT ts_rewrite('a'::tsquery, 'SELECT pg_terminate_backend(1)')", fn, "ts_rewrite"},
		{"SELECT dblink_exec('x', 'y')", fn, "dblink_exec"},
		{"SELECT pg_terminate_backend(1)", fn, "signals"},
		{"SELECT pg_cancel_backend(1)", fn, "signals"},
		{"SELECT pg_reload_conf()", fn, "server"},
		{"SELECT * FROM pg_logical_slot_get_changes('slot', NULL, NULL)", fn, "replication"},
		{"SELECT pg_create_physical_replication_slot('s')", fn, "replication"},
		{"SELECT pg_stat_reset()", fn, "statistics"},
		{"SELECT pg_stat_reset_shared('bgwriter')", fn, "statistics"},
		{"SELECT pg_stat_statements_reset()", fn, "pg_stat_statements_reset"},
		{"SELECT setseed(0.5)", fn, "predictable"},
		{"SELECT txid_current()", fn, "transaction id"},
		{"SELECT pg_current_xact_id()", fn, "transaction id"},
		{"SELECT brin_summarize_new_values('i')", fn, "index pages"},
		{"SELECT gin_clean_pending_list('i')", fn, "index pages"},
		{"SELECT xpath('/a', '<a/>')", fn, "libxml"},
		{"SELECT xmlparse(document '<a/>')", fn, "libxml"},
		{"SELECT XMLELEMENT(name a)", fn, "libxml"},
		{"SELECT * FROM xmltable('/a' PASSING '<a/>' COLUMNS x int)", fn, "libxml"},
		{"SELECT '<a/>'::xml", fn, "xml type"},
		{"SELECT CAST('<a/>' AS pg_catalog.xml)", fn, "xml type"},
		{"SELECT xml '<a/>'", fn, "xml type"},
		{`SELECT '<a/>'::"xml", '{}'::_xml`, fn, "xml type"},
		{"SELECT table_to_xml('t', true, true, '')", fn, "libxml"},
		{"SELECT c.pg_advisory_lock FROM customers c", fn, "pg_advisory_lock"},
		// Volatile, and unknown (user-defined) functions.
		{"SELECT currval('s')", fn, "volatile"},
		{"SELECT pg_catalog.lastval()", fn, "volatile"},
		{"SELECT record_visit('x')", fn, "record_visit is not allowed: only PostgreSQL's built-in"},
		{"SELECT public.lower('X')", fn, "public.lower"},
		{"SELECT information_schema.nope(1)", fn, "information_schema.nope"},
		{`SELECT "lower"('X'), "Lower"('X')`, fn, "Lower"},
		{"SELECT 1 FROM t WHERE a LIKE b ESCAPE myfunc(1)", fn, "myfunc"},
		{"SELECT now() AT TIME ZONE myfunc(1)", fn, "myfunc"},
		{"SELECT (a).b, myfunc((a).b) FROM t", fn, "myfunc"},
		{"WITH x(a) AS (SELECT 1) SELECT myfunc(a) AS materialized FROM x", fn, "myfunc"},
		{"SELECT * FROM myfunc(1) AS materialized(a int)", fn, "myfunc"},
		{"SELECT * FROM t, myfunc(1) AS x", fn, "myfunc"},
		{"SELECT myfunc /* */ (1)", fn, "myfunc"},
		{"SELECT pg_advisory_lock\n(1)", fn, "advisory"},
		{"SELECT " + strings.Repeat("a", 70) + "(1)", fn, strings.Repeat("a", 63) + " is"},
		{`SELECT U&"\0073et_config"('role', 'x', false)`, fn, "Unicode-escaped"},
		{`SELECT pg_catalog.u&"\0073et_config"('a', 'b', true)`, fn, "Unicode-escaped"},
		// U&"..." names are decoded, UESCAPE included.
		{`SELECT * FROM U&"pg_stat_activit\0079"`, stm, "pg_stat_activity"},
		{`SELECT * FROM pg_catalog.U&"pg_stat_activit!0079" UESCAPE '!'`, stm, "pg_stat_activity"},
		{`SELECT '<a/>'::U&"\0078ml"`, fn, "xml type"},
		{`SELECT c.U&"pg_advisory_loc\006B" FROM customers c`, fn, "pg_advisory_lock"},
		{`SELECT U&"!0073et_config" UESCAPE '!' ('a', 'b', true)`, fn, "Unicode-escaped"},
		{`SELECT 1 AS U&"\D800"`, syn, "surrogate"},
		{`SELECT 1 AS U&"x" UESCAPE 'ab'`, syn, "UESCAPE"},
		// Alias and type positions still refuse a refused built-in.
		{"SELECT * FROM generate_series(1, 2) AS lo_import(a)", fn, "lo_import"},
		{"WITH setseed(a) AS (SELECT 1) SELECT 1", fn, "setseed"},
	}
	for _, c := range cases {
		t.Run(c.code+"/"+c.sql, func(t *testing.T) {
			_, err := Check(c.sql)
			if err == nil {
				t.Fatalf("Check(%q): accepted, want %s mentioning %q", c.sql, c.code, c.msg)
			}
			r, ok := err.(*Rejection)
			if !ok {
				t.Fatalf("Check(%q): error %T is not a *Rejection", c.sql, err)
			}
			if r.Code != c.code || !strings.Contains(r.Message, c.msg) {
				t.Errorf("Check(%q) = %s %q, want %s mentioning %q", c.sql, r.Code, r.Message, c.code, c.msg)
			}
		})
	}
}

// TestCheckAllowsCalls covers what deny-by-default must still let through:
// built-in calls, grammar that looks like a call, aliases and types with
// modifiers.
func TestCheckAllowsCalls(t *testing.T) {
	for _, sql := range []string{
		"SELECT lower(name), count(*), coalesce(sum(x), 0), now(), random(), clock_timestamp() FROM t GROUP BY 1",
		"SELECT pg_catalog.lower('X'), \"lower\"('X'), PG_CATALOG.UPPER('x')",
		"SELECT information_schema._pg_char_max_length(25, -1)",
		"SELECT count(*) FILTER (WHERE a > 1) OVER (PARTITION BY (b)) FROM t",
		"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM t",
		"SELECT a FROM t GROUP BY GROUPING SETS ((a), (b)), CUBE (a), ROLLUP (b)",
		"SELECT EXISTS (SELECT 1), ARRAY(SELECT 1), ROW(1, 2), x IN (1, 2), x = ANY (ARRAY[1])",
		"SELECT CAST(x AS numeric(10, 2)), x::varchar(3), '[1,2]'::vector(2), CAST(y AS public.vector(3))",
		"SELECT varchar(3) 'abc', EXTRACT(year FROM now()), SUBSTRING('abc' FROM 2), TRIM(BOTH 'x' FROM 'xax')",
		"SELECT g FROM generate_series(1, 3) AS g(i), unnest(ARRAY[1]) u(x), (VALUES (1)) v(a)",
		"WITH x(a, b) AS (SELECT 1, 2), y AS MATERIALIZED (SELECT 1), z(c) AS NOT MATERIALIZED (VALUES (1)) SELECT * FROM x, y, z",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r",
		"SELECT * FROM t TABLESAMPLE SYSTEM (10) REPEATABLE (1)",
		"SELECT * FROM t TABLESAMPLE BERNOULLI (10)",
		"SELECT a FROM t ORDER BY a FETCH FIRST (2) ROWS ONLY",
		"SELECT left('abc', 1), right('abc', 1), 'a' LIKE 'b', current_schema(), current_user, version()",
		"SELECT pg_sleep(0.1), pg_total_relation_size('t'), gen_random_uuid(), txid_current_snapshot()",
		"SELECT t.lower FROM t",
		"SELECT 1 OPERATOR(pg_catalog.+) 2",
		"SELECT x FROM xml_payloads",
		`SELECT 1 AS U&"d\0061t\+000061", 2 AS U&"!0061" UESCAPE '!'`,
	} {
		t.Run(sql, func(t *testing.T) {
			if _, err := Check(sql); err != nil {
				t.Errorf("Check(%q): %v", sql, err)
			}
		})
	}
}

// TestCatalogLookup checks the table's search on its first and last lines
// and a miss on each side of every line.
func TestCatalogLookup(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(builtins, "\n"), "\n")
	if len(lines) < 2500 {
		t.Fatalf("the table holds %d names", len(lines))
	}
	for _, l := range lines {
		name := l[:len(l)-3]
		if c, ok := lookupBuiltin(name); !ok || c != l[len(l)-2] {
			t.Fatalf("lookupBuiltin(%q) = %c, %v", name, c, ok)
		}
		for _, miss := range []string{name + "\x00", name[:len(name)-1] + "\x00"} {
			if _, ok := lookupBuiltin(miss); ok {
				t.Fatalf("lookupBuiltin(%q) found a name", miss)
			}
		}
	}
	if _, ok := lookupBuiltin(""); ok {
		t.Fatal("the empty name was found")
	}
}

// FuzzCheck holds three properties: Check never panics, an accepted
// statement never contains a second statement that the lexer missed, and
// its parentheses balance (it cannot close the connector's wrapper).
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"SELECT 1", "SELECT ';' ; DELETE", "SELECT $a$;$a$", "E'\\';'", "/* /* */ ; */", `"a""b"`, "SELECT 1 --;\n;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		st, err := Check(sql)
		if err != nil {
			return
		}
		if len(st.SQL) > len(sql) {
			t.Fatalf("screened SQL grew: %q -> %q", sql, st.SQL)
		}
		toks, lerr := lex(st.SQL)
		if lerr != nil {
			t.Fatalf("accepted SQL does not lex again: %v", lerr)
		}
		depth := 0
		for _, tk := range toks {
			if tk.kind == tokSemicolon {
				t.Fatalf("accepted SQL %q contains a statement separator", st.SQL)
			}
			if isPunct(tk, "(") {
				depth++
			} else if isPunct(tk, ")") {
				if depth--; depth < 0 {
					t.Fatalf("accepted SQL %q closes a parenthesis it did not open", st.SQL)
				}
			}
		}
		if depth != 0 {
			t.Fatalf("accepted SQL %q leaves a parenthesis open", st.SQL)
		}
	})
}

// TestLexerAgreesWithScanL holds cases where an earlier lexer read SQL
// differently from PostgreSQL's scan.l; each hid code from the screener.
func TestLexerAgreesWithScanL(t *testing.T) {
	cases := []struct{ sql, msg string }{
		// A -- comment ends at \r as well as \n.
		{"SELECT 1 -- x\rFROM pg_advisory_lock(1)", "pg_advisory_lock"},
		{"SELECT 1 --\r; DELETE FROM t", "one statement"},
		// A continued E'' literal keeps its escapes: \' does not end it.
		{"SELECT E'a'\n'\\'' , pg_terminate_backend(1) --'", "pg_terminate_backend"},
		// The continuation may hold -- comments, before and after the newline.
		{"SELECT E'a' -- c\n'\\'' , pg_advisory_lock(1) --'", "pg_advisory_lock"},
		{"SELECT E'a'\n-- c\n\r '\\'' , pg_advisory_lock(1) --'", "pg_advisory_lock"},
		// An identifier swallows the E: texte'\' is a plain literal.
		{"SELECT texte'\\', pg_advisory_lock(1), '\\'", "pg_advisory_lock"},
		{"SELECT 1\x00; DELETE FROM t", "NUL"},
		{"SELECT 1x", "trailing junk"},
		{"SELECT $1a", "trailing junk"},
		{`SELECT ""`, "zero-length"},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			_, err := Check(c.sql)
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("Check(%q) = %v, want a rejection mentioning %q", c.sql, err, c.msg)
			}
		})
	}
	allowed := []string{
		// Not continuations: no newline, or a block comment between.
		"SELECT E'a' '\\' ", // a syntax error for the server; text stays literal
		"SELECT 'a'\n'b'",
		// In a continued E'' literal \' is an escaped quote: all one literal.
		"SELECT E'a'\n'\\' ; SELECT pg_advisory_lock(1) --'",
		// B'' has no doubled quote: B'1' ends, and a plain literal follows.
		"SELECT B'1'', pg_advisory_lock(1), '",
		"SELECT U&'a'\n'b' UESCAPE '!'",
		"SELECT $a$ $b$ ; $a$",
		"SELECT 1 *--x\n2",
		"SELECT 2 */* ; */ 3",
	}
	for _, sql := range allowed {
		if _, err := Check(sql); err != nil {
			t.Errorf("Check(%q): %v", sql, err)
		}
	}
}

// TestCheckNestedCallsAreLinear: nested type-like calls (a(...) 'x') each
// need their ')'. closers finds them all in one pass; a scan per level made
// the 256 KiB body limit's ~36,000 levels cost ~10^9 token steps.
// BenchmarkCheckNested measures it.
func TestCheckNestedCallsAreLinear(t *testing.T) {
	const depth = 30000
	sql := "SELECT " + strings.Repeat("a(", depth) + "1" + strings.Repeat(") 'x'", depth)
	toks, err := lex(sql)
	if err != nil {
		t.Fatal(err)
	}
	c := closers{toks: toks}
	for k := range toks {
		if isPunct(toks[k], "(") && c.of(k) < 0 {
			t.Fatalf("'(' at token %d has no ')'", k)
		}
	}
	if _, err := Check(sql); err != nil {
		t.Fatalf("nested typed literals: %v", err)
	}
}

func BenchmarkCheckNested(b *testing.B) {
	sql := "SELECT " + strings.Repeat("a(", 30000) + "1" + strings.Repeat(") 'x'", 30000)
	b.SetBytes(int64(len(sql)))
	for b.Loop() {
		if _, err := Check(sql); err != nil {
			b.Fatal(err)
		}
	}
}
