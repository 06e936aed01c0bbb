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
		{"SELECT a$1 FROM t", "SELECT a$1 FROM t", 0},
		{`SELECT U&"d\0061t\+000061" FROM t`, `SELECT U&"d\0061t\+000061" FROM t`, 0},
	}
	for _, c := range cases {
		st, err := Check(c.sql)
		if err != nil {
			t.Errorf("Check(%q): unexpected rejection: %v", c.sql, err)
			continue
		}
		if st.SQL != c.want || st.Params != c.params {
			t.Errorf("Check(%q) = %q, %d params; want %q, %d", c.sql, st.SQL, st.Params, c.want, c.params)
		}
	}
}

func TestCheckRejects(t *testing.T) {
	cases := []struct{ sql, msg string }{
		{"", "empty"},
		{" ; ; ", "empty"},
		{"-- only a comment", "empty"},
		{"INSERT INTO t VALUES (1)", "writes"},
		{"update t set a = 1", "writes"},
		{"DELETE FROM t", "writes"},
		{"DROP TABLE customers", "DDL"},
		{"CREATE TABLE x (a int)", "DDL"},
		{"ALTER ROLE agent SUPERUSER", "DDL"},
		{"TRUNCATE customers", "writes"},
		{"SELECT 1; DELETE FROM t", "one statement"},
		{"SELECT 1; SELECT 2", "one statement"},
		{"SET ROLE postgres", "SET"},
		{"set transaction read write", "SET"},
		{"RESET ALL", "RESET"},
		{"COPY customers TO PROGRAM 'id'", "COPY"},
		{"COPY (SELECT 1) TO STDOUT", "COPY"},
		{"LISTEN ch", "LISTEN"},
		{"NOTIFY ch, 'x'", "LISTEN"},
		{"DO $$ BEGIN PERFORM 1; END $$", "DO"},
		{"CALL p()", "CALL"},
		{"BEGIN", "transaction"},
		{"COMMIT", "transaction"},
		{"EXPLAIN ANALYZE DELETE FROM t", "EXPLAIN"},
		{"WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "DELETE"},
		{"WITH u AS (UPDATE t SET a=1 RETURNING *) SELECT 1", "UPDATE"},
		{"SELECT * INTO newt FROM t", "SELECT INTO"},
		{"SELECT * FROM t FOR UPDATE", "UPDATE"},
		{"SELECT * FROM t FOR SHARE", "FOR SHARE"},
		{"SELECT * FROM t FOR NO KEY UPDATE", "FOR NO"},
		{"SELECT set_config('role', 'postgres', false)", "set_config"},
		{`SELECT "set_config"('role', 'postgres', false)`, "set_config"},
		{"SELECT pg_catalog.set_config('x', 'y', true)", "set_config"},
		{"SELECT pg_read_file('/etc/passwd')", "pg_read_file"},
		{"SELECT lo_import('/etc/passwd')", "lo_import"},
		{"SELECT nextval('s')", "nextval"},
		{"SELECT pg_advisory_lock(1)", "pg_advisory_lock"},
		{"SELECT query_to_xml('delete from t', true, true, '')", "query_to_xml"},
		{"SELECT pg_terminate_backend(1)", "pg_terminate_backend"},
		{"SELECT 'unterminated", "unterminated"},
		{`SELECT "unterminated`, "unterminated"},
		{"SELECT /* unterminated", "unterminated"},
		{"SELECT $q$ unterminated", "unterminated"},
		{"VACUUM", "DDL"},
		{"GRANT ALL ON t TO public", "DDL"},
		{"PREPARE p AS SELECT 1", "prepared"},
		{"foo bar", `"FOO"`},
		{"SELECT $0", "placeholder"},
		{"SELECT * FROM ts_stat('SELECT to_tsvector(pg_advisory_lock(42)::text)')", "ts_stat"},
		{"SELECT ts_rewrite('a'::tsquery, 'SELECT pg_terminate_backend(1)')", "ts_rewrite"},
		{"SELECT * FROM pg_logical_slot_get_changes('slot', NULL, NULL)", "pg_logical_slot_get_changes"},
		{"SELECT pg_stat_reset()", "pg_stat_reset"},
		{"SELECT pg_stat_reset_shared('bgwriter')", "pg_stat_reset_shared"},
		{"SELECT pg_stat_statements_reset()", "pg_stat_statements_reset"},
		{`SELECT U&"\0073et_config"('role', 'x', false)`, "Unicode-escaped"},
		{`SELECT pg_catalog.u&"\0073et_config"('a', 'b', true)`, "Unicode-escaped"},
	}
	for _, c := range cases {
		_, err := Check(c.sql)
		if err == nil {
			t.Errorf("Check(%q): accepted, want rejection mentioning %q", c.sql, c.msg)
			continue
		}
		if _, ok := err.(*Rejection); !ok {
			t.Errorf("Check(%q): error %T is not a *Rejection", c.sql, err)
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Check(%q) = %q, want it to mention %q", c.sql, err, c.msg)
		}
	}
}

// FuzzCheck holds two properties: Check never panics, and an accepted
// statement never contains a second statement that the lexer missed.
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
		for _, tk := range toks {
			if tk.kind == tokSemicolon {
				t.Fatalf("accepted SQL %q contains a statement separator", st.SQL)
			}
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
		_, err := Check(c.sql)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Check(%q) = %v, want a rejection mentioning %q", c.sql, err, c.msg)
		}
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
