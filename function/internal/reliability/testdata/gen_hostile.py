#!/usr/bin/env python3
"""Writes hostile.jsonl: the hostile-request corpus the reliability tests send
to a real cmd/local process. Edit the corpus here and re-run (python3
gen_hostile.py); hostile_test.go documents the fields. Giant bodies and
headers are described by size (body_repeat, header_repeat), not stored."""
import base64, json

KEY = "{KEY}"  # replaced by the test's API key
cases = []

def add(cat, name, status, code="", **kw):
    c = {"category": cat, "name": name, "status": status}
    if code:
        c["code"] = code
    c.update(kw)
    cases.append(c)

def q(cat, name, sql, status, code, **kw):
    add(cat, name, status, code, body=json.dumps({"sql": sql, **kw.pop("extra", {})}), **kw)

NA = "statement_not_allowed"
# The connector passes the screener's reason on: a statement it cannot read,
# a function call it refuses, anything else it refuses.
SYN = "syntax_error"
FN = "function_not_allowed"

# --- SQL that writes --------------------------------------------------------
for n, s in [
    ("insert", "INSERT INTO customers (id, name, created_at) VALUES (9999, 'x', now())"),
    ("insert lowercase", "insert into orders select * from orders"),
    ("update", "UPDATE customers SET balance = 0"),
    ("delete", "DELETE FROM orders"),
    ("merge", "MERGE INTO customers c USING orders o ON c.id = o.customer_id WHEN MATCHED THEN DELETE"),
    ("truncate", "TRUNCATE orders"),
    ("delete after comment", "/* harmless */ -- still harmless\n  DELETE FROM orders"),
    ("delete in parentheses", "(DELETE FROM orders)"),
    ("writing cte delete", "WITH d AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM d"),
    ("writing cte update", "WITH u AS (UPDATE customers SET name = 'x' RETURNING 1) SELECT * FROM u"),
    ("writing cte insert", "WITH i AS (INSERT INTO audit_log (note) VALUES ('x') RETURNING id) SELECT id FROM i"),
    ("delete in subquery", "SELECT * FROM customers WHERE id IN (DELETE FROM orders RETURNING customer_id)"),
    ("select into", "SELECT * INTO stolen FROM customers"),
    ("select into temp", "SELECT * INTO TEMP stolen FROM customers"),
    ("for update", "SELECT * FROM customers FOR UPDATE"),
    ("for share", "SELECT * FROM customers FOR SHARE"),
    ("for no key update", "SELECT * FROM customers FOR NO KEY UPDATE"),
    ("for key share", "SELECT * FROM customers FOR KEY SHARE SKIP LOCKED"),
    ("values then insert", "VALUES (1); INSERT INTO audit_log (note) VALUES ('x')"),
    ("upsert word", "UPSERT INTO customers VALUES (1)"),
]:
    q("write", n, s, 400, NA)
# Functions: deny by default (sqlguard's generated catalog). A user-defined
# function is refused by the screener; the READ ONLY transaction would stop
# it too (connector's TestReadOnlyHoldsForSuperuser).
for n, s, st, code in [
    ("function that writes", "SELECT record_visit('agent was here')", 400, FN),
    ("function that writes in a subquery", "SELECT count(*) FROM (SELECT record_visit('x')) s", 400, FN),
    ("function that writes, quoted name", "SELECT \"record_visit\"('x')", 400, FN),
    ("function that writes, schema-qualified", "SELECT public.record_visit('x')", 400, FN),
    ("nextval", "SELECT nextval('audit_log_id_seq')", 400, FN),
    ("setval", "SELECT setval('audit_log_id_seq', 1)", 400, FN),
    ("set_config", "SELECT set_config('default_transaction_read_only', 'off', false)", 400, FN),
    ("set_config qualified", "SELECT pg_catalog.set_config('transaction_read_only', 'off', true)", 400, FN),
    ("set_config quoted", "SELECT \"set_config\"('role', 'postgres', false)", 400, FN),
    # A call through a U&"..." name is refused by the screener outright.
    ("set_config unicode-escaped name", "SELECT U&\"\\0073et_config\"('transaction_read_only', 'off', true)", 400, FN),
    ("pg_read_file", "SELECT pg_read_file('/etc/passwd')", 400, FN),
    ("lo_import", "SELECT lo_import('/etc/passwd')", 400, FN),
    ("advisory lock", "SELECT pg_advisory_lock(42)", 400, FN),
    ("terminate backends", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity", 400, FN),
    ("reload conf", "SELECT pg_reload_conf()", 400, FN),
    ("query_to_xml runs hidden SQL", "SELECT query_to_xml('DELETE FROM orders', true, true, '')", 400, FN),
    ("dblink", "SELECT * FROM dblink('dbname=postgres', 'DELETE FROM orders') AS t(x int)", 400, FN),
    ("ts_stat runs hidden SQL", "SELECT * FROM ts_stat('SELECT to_tsvector(pg_advisory_lock(42)::text)')", 400, FN),
    ("ts_rewrite runs hidden SQL", "SELECT ts_rewrite('a'::tsquery, 'SELECT pg_terminate_backend(1)')", 400, FN),
    ("logical slot consumed", "SELECT * FROM pg_logical_slot_get_changes('cdc', NULL, NULL)", 400, FN),
    ("statistics reset", "SELECT pg_stat_reset()", 400, FN),
    ("pg_notify", "SELECT pg_notify('events', 'x')", 400, FN),
    ("private schema", "SELECT * FROM private.api_secrets", 403, "permission_denied"),
    ("private schema via quoted name", "SELECT * FROM \"private\".\"api_secrets\"", 403, "permission_denied"),
]:
    q("write", n, s, st, code)

# --- the screener reads as PostgreSQL does, by class ------------------------
# Every refused case hides a call or a statement where an earlier lexer saw a
# comment or a literal; every 200 case is benign text in the same shapes.
# sqlguard gives syntax_error / statement_not_allowed / function_not_allowed,
# the connector answers each with that code (400).
for cat, n, s, st, code in [
    # -- ends at \r as well as \n.
    ("comment-split", "cr ends a line comment, call after", "SELECT 1 -- x\rFROM pg_advisory_lock(42)", 400, FN),
    ("comment-split", "cr ends a line comment, second statement", "SELECT 1 --\r; DELETE FROM orders", 400, NA),
    ("comment-split", "cr then other sessions", "SELECT 1 -- \r, (SELECT count(*) FROM pg_stat_activity)", 400, NA),
    ("comment-split", "cr inside an operator comment", "SELECT 2 *--\rpg_terminate_backend(1)", 400, FN),
    ("comment-split", "comment start inside an operator", "SELECT 2 */* x */ pg_advisory_lock(1)", 400, FN),
    ("comment-split", "cr comment, benign", "SELECT 1 AS a -- trailing\r, 2 AS b", 200, ""),
    ("comment-split", "nested block comment, benign", "SELECT /* a /* b */ c */ 1 AS a", 200, ""),
    # A continued literal keeps the first part's mode.
    ("continuation-split", "E string continued, escaped quote", "SELECT E'a'\n'\\'' , pg_advisory_lock(1) --'", 400, FN),
    ("continuation-split", "E string continued after a comment", "SELECT E'a' -- c\n'\\'' , pg_terminate_backend(1) --'", 400, FN),
    ("continuation-split", "E string continued after cr and a comment line", "SELECT E'a'\r-- c\r'\\'' ; DELETE FROM orders --'", 400, NA),
    ("continuation-split", "continued E string, benign", "SELECT E'it\\'s'\n' \\'fine\\'' AS s", 200, ""),
    ("continuation-split", "continued plain string, benign", "SELECT 'a' -- c\n'b' AS s", 200, ""),
    ("continuation-split", "continued U& string with UESCAPE, benign", "SELECT U&'!0041'\n'!0042' UESCAPE '!' AS s", 200, ""),
    ("continuation-split", "bit string has no doubled quote: all literal, two of them", "SELECT B'1'', pg_advisory_lock(1), '", 400, "sql_error"),
    ("continuation-split", "prefix letter belongs to the identifier", "SELECT texte'\\', pg_advisory_lock(1), '\\'", 400, FN),
    ("continuation-split", "dollar tag with digit is a parameter", "SELECT $1$ ; DELETE FROM orders $1$", 400, NA),
    ("continuation-split", "NUL cuts the statement", "SELECT 1 AS a\u0000; DELETE FROM orders", 400, "invalid_request"),
    # Volatile built-ins: refused unless on the allow-list.
    ("volatile", "currval", "SELECT currval('audit_log_id_seq')", 400, FN),
    ("volatile", "lastval", "SELECT lastval()", 400, FN),
    ("volatile", "pg_export_snapshot", "SELECT pg_export_snapshot()", 400, FN),
    ("volatile", "random is allowed", "SELECT random() < 2 AS ok", 200, ""),
    ("volatile", "clock_timestamp is allowed", "SELECT clock_timestamp() IS NOT NULL AS ok", 200, ""),
    ("volatile", "gen_random_uuid is allowed", "SELECT gen_random_uuid() IS NOT NULL AS ok", 200, ""),
    ("volatile", "table size is allowed", "SELECT pg_total_relation_size('customers') > 0 AS ok", 200, ""),
    ("volatile", "unknown function", "SELECT no_such_function(1)", 400, FN),
    # Refused classes, whatever their volatility.
    ("denied-class", "setseed", "SELECT setseed(0.5)", 400, FN),
    ("denied-class", "txid_current burns an xid", "SELECT txid_current()", 400, FN),
    ("denied-class", "pg_current_xact_id burns an xid", "SELECT pg_current_xact_id()", 400, FN),
    ("denied-class", "brin summarize", "SELECT brin_summarize_new_values('customers_pkey')", 400, FN),
    ("denied-class", "gin clean pending list", "SELECT gin_clean_pending_list('customers_pkey')", 400, FN),
    ("denied-class", "lo_from_bytea", "SELECT lo_from_bytea(0, 'x')", 400, FN),
    ("denied-class", "lo_create", "SELECT lo_create(0)", 400, FN),
    ("denied-class", "advisory xact lock", "SELECT pg_try_advisory_xact_lock(1)", 400, FN),
    ("denied-class", "advisory lock many", "SELECT count(pg_advisory_lock(g)) FROM generate_series(1, 1000000) g", 400, FN),
    ("denied-class", "cancel backend", "SELECT pg_cancel_backend(pg_backend_pid())", 400, FN),
    ("denied-class", "replication slot", "SELECT pg_create_physical_replication_slot('x')", 400, FN),
    ("denied-class", "statistics reset, shared", "SELECT pg_stat_reset_shared('bgwriter')", 400, FN),
    ("denied-class", "pg_ls_dir", "SELECT * FROM pg_ls_dir('.')", 400, FN),
    ("denied-class", "pg_stat_file", "SELECT pg_stat_file('postgresql.conf')", 400, FN),
    ("denied-class", "xpath", "SELECT xpath('/a', '<a/>'::xml)", 400, FN),
    ("denied-class", "xmlparse", "SELECT xmlparse(document '<a/>')", 400, FN),
    ("denied-class", "xml cast", "SELECT '<a/>'::xml", 400, FN),
    ("denied-class", "xmltable", "SELECT * FROM xmltable('/a' PASSING '<a/>' COLUMNS x int)", 400, FN),
    ("denied-class", "xml_is_well_formed", "SELECT xml_is_well_formed('<a/>')", 400, FN),
    ("denied-class", "table_to_xml runs a query", "SELECT table_to_xml('customers', true, true, '')", 400, FN),
    ("denied-class", "cursor_to_xml", "SELECT cursor_to_xml('c', 1, true, true, '')", 400, FN),
    ("denied-class", "attribute notation", "SELECT c.pg_advisory_lock FROM customers c", 400, FN),
    # Schema-qualified and quoted calls name the same function.
    ("qualified-call", "pg_catalog.lo_import", "SELECT pg_catalog.lo_import('/etc/passwd')", 400, FN),
    ("qualified-call", "quoted schema and name", "SELECT \"pg_catalog\".\"lo_import\"('/etc/passwd')", 400, FN),
    ("qualified-call", "database-qualified", "SELECT postgres.pg_catalog.set_config('role', 'postgres', false)", 400, FN),
    ("qualified-call", "spaces and comments around the dot", "SELECT PG_CATALOG /* x */ . PG_TERMINATE_BACKEND (1)", 400, FN),
    ("qualified-call", "comment between name and parenthesis", "SELECT pg_advisory_lock/**/(1)", 400, FN),
    ("qualified-call", "other schema", "SELECT public.lower('X')", 400, FN),
    ("qualified-call", "pg_catalog.lower is allowed", "SELECT pg_catalog.lower('X') AS l", 200, ""),
    ("qualified-call", "alias with columns is no call", "SELECT i FROM generate_series(1, 3) AS g(i)", 200, ""),
    ("qualified-call", "WITH column names are no call", "WITH x(a) AS (SELECT 1) SELECT a FROM x", 200, ""),
    # Other sessions' SQL.
    ("other-sessions", "pg_stat_activity", "SELECT query FROM pg_stat_activity", 400, NA),
    ("other-sessions", "pg_stat_activity qualified", "SELECT query FROM pg_catalog.pg_stat_activity", 400, NA),
    ("other-sessions", "pg_stat_get_activity", "SELECT * FROM pg_stat_get_activity(NULL)", 400, FN),
    ("other-sessions", "pg_stat_get_backend_activity", "SELECT pg_stat_get_backend_activity(s) FROM pg_stat_get_backend_idset() s", 400, FN),
    ("other-sessions", "pg_locks", "SELECT * FROM pg_locks", 400, NA),
    ("other-sessions", "pg_blocking_pids", "SELECT pg_blocking_pids(1)", 400, FN),
    ("other-sessions", "pg_prepared_statements of a shared server connection", "SELECT statement FROM pg_prepared_statements", 400, NA),
    # Typos are syntax errors, not refusals.
    ("typo", "selec", "selec 1", 400, SYN),
    ("typo", "unterminated E string", "SELECT E'abc\\'", 400, SYN),
]:
    q(cat, n, s, st, code)

# --- DDL --------------------------------------------------------------------
for n, s in [
    ("create table", "CREATE TABLE x (a int)"),
    ("create temp table", "CREATE TEMP TABLE x AS SELECT * FROM customers"),
    ("drop table", "DROP TABLE customers"),
    ("drop schema cascade", "DROP SCHEMA private CASCADE"),
    ("alter table", "ALTER TABLE customers ADD COLUMN x int"),
    ("create function", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'"),
    ("create extension", "CREATE EXTENSION dblink"),
    ("create role superuser", "CREATE ROLE evil SUPERUSER LOGIN"),
    ("alter role", "ALTER ROLE agent SUPERUSER"),
    ("grant", "GRANT ALL ON ALL TABLES IN SCHEMA private TO agent"),
    ("revoke", "REVOKE SELECT ON customers FROM agent"),
    ("comment", "COMMENT ON TABLE customers IS 'pwned'"),
    ("vacuum", "VACUUM FULL customers"),
    ("reindex", "REINDEX TABLE customers"),
    ("lock table", "LOCK TABLE customers IN ACCESS EXCLUSIVE MODE"),
    ("do block", "DO $$ BEGIN DELETE FROM orders; END $$"),
    ("call", "CALL some_procedure()"),
    ("ddl in parentheses", "(CREATE TABLE x (a int))"),
    ("prepare", "PREPARE p AS DELETE FROM orders"),
    ("explain analyze", "EXPLAIN ANALYZE DELETE FROM orders"),
]:
    q("ddl", n, s, 400, NA)

# --- several statements -----------------------------------------------------
for n, s in [
    ("two selects", "SELECT 1; SELECT 2"),
    ("select then drop", "SELECT 1;DROP TABLE customers"),
    ("semicolon in string first", "SELECT ';'; DELETE FROM orders"),
    ("dollar quote then delete", "SELECT $q$;$q$; DELETE FROM orders"),
    ("block comment then delete", "SELECT 1 /* ; */ ; DELETE FROM orders"),
    ("line comment then delete", "SELECT 1 -- ;\n; DELETE FROM orders"),
    ("escaped quote then delete", "SELECT E'\\';'; DELETE FROM orders"),
    ("doubled quote then delete", "SELECT 'a'';'; DELETE FROM orders"),
    ("commit then delete", "SELECT 1; COMMIT; DELETE FROM orders"),
    ("begin delete commit", "BEGIN; DELETE FROM orders; COMMIT"),
    ("psql backslash", "SELECT 1 \\; DELETE FROM orders"),
    ("nested comment then delete", "SELECT 1 /* /* ; */ ; */ ; DELETE FROM orders"),
    ("rollback then set role", "SELECT 1; ROLLBACK; SET ROLE postgres; SELECT 1"),
    # The connector runs the statement as a subquery with a LIMIT: a ')'
    # that closes nothing would close the wrapper and escape the LIMIT.
]:
    q("multi", n, s, 400, NA)
# Unreadable, so a syntax error rather than a refusal (an unbalanced ')'
# would otherwise close the connector's LIMIT wrapper).
q("multi", "break out of the LIMIT wrapper", "SELECT 1 AS g) s UNION ALL SELECT a.id FROM orders a, orders b, orders c UNION ALL SELECT * FROM (SELECT 1", 400, SYN)
q("multi", "break out of the wrapper, paren after a cr comment", "SELECT 1 --\r) s UNION ALL SELECT 2 FROM (SELECT 1", 400, SYN)
q("multi", "unterminated string", "SELECT 'abc; DELETE FROM orders", 400, SYN)
q("multi", "unterminated comment", "SELECT 1 /* DELETE FROM orders", 400, SYN)

# --- SET / RESET / SET ROLE -------------------------------------------------
for n, s in [
    ("set role", "SET ROLE postgres"),
    ("set role lowercase tabs", "  set\trole\tpostgres"),
    ("set role after comment", "/**/SET ROLE postgres"),
    ("set session authorization", "SET SESSION AUTHORIZATION postgres"),
    ("reset role", "RESET ROLE"),
    ("reset all", "RESET ALL"),
    ("set local statement_timeout", "SET LOCAL statement_timeout = 0"),
    ("set transaction read write", "SET TRANSACTION READ WRITE"),
    ("set default read only off", "SET default_transaction_read_only = off"),
    ("set search_path", "SET search_path = private, public"),
    ("discard all", "DISCARD ALL"),
    ("set role in parentheses", "(SET ROLE postgres)"),
    ("select then set role", "SELECT 1; SET ROLE postgres"),
    ("show", "SHOW ALL"),
]:
    q("set", n, s, 400, NA)

# --- COPY -------------------------------------------------------------------
for n, s in [
    ("copy to program", "COPY customers TO PROGRAM 'touch /tmp/pwned'"),
    ("copy query to program", "COPY (SELECT * FROM customers) TO PROGRAM 'curl -d @- http://127.0.0.1:9/'"),
    ("copy to program lowercase", "copy customers to program 'id'"),
    ("copy from program", "COPY audit_log (note) FROM PROGRAM 'id'"),
    ("copy to file", "COPY customers TO '/tmp/customers.csv'"),
    ("copy from file", "COPY audit_log FROM '/etc/passwd'"),
    ("copy to stdout", "COPY (SELECT 1) TO STDOUT"),
    ("copy from stdin", "COPY audit_log FROM STDIN"),
    ("copy in a cte", "WITH x AS (SELECT 1) COPY customers TO PROGRAM 'id'"),
    ("select then copy", "SELECT 1; COPY customers TO PROGRAM 'id'"),
]:
    q("copy", n, s, 400, NA)

# --- past the time budget (the tests run with QUERY_TIMEOUT_MS=500) ----------
for n, s in [
    ("pg_sleep past budget", "SELECT pg_sleep(5)"),
    ("pg_sleep an hour", "SELECT pg_sleep(3600)"),
    ("pg_sleep_for", "SELECT pg_sleep_for('1 hour')"),
    ("pg_sleep_until", "SELECT pg_sleep_until(now() + interval '1 hour')"),
    ("sleep per row", "SELECT pg_sleep(0.1) FROM generate_series(1, 100)"),
    ("cpu-bound count", "SELECT count(*) FROM generate_series(1, 10000000000)"),
    ("endless recursion", "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"),
    ("cross join count", "SELECT count(*) FROM orders a, orders b, orders c"),
    # generate_series in FROM is materialized before the first row: too slow, not cut.
    ("ten million rows, materialized", "SELECT g FROM generate_series(1, 10000000) g"),
]:
    # A fast machine may materialize the ten million rows inside the budget;
    # then the cut 200 is as right as the 422.
    kw = {"alt_status": 200} if "materialized" in n else {}
    q("timeout", n, s, 422, "query_timeout", **kw)

# --- huge results: cut, never buffered (200 with truncated: true) -------------
for n, s, extra in [
    ("a billion rows, streamed", "SELECT a.id, b.id, c.id FROM orders a, orders b, orders c", {}),
    ("cartesian product", "SELECT * FROM orders a, orders b", {}),
    ("wide rows past the byte cap", "SELECT repeat('x', 100000) AS big FROM generate_series(1, 1000)", {}),
    ("max_rows above the cap", "SELECT g FROM generate_series(1, 100000) g", {"max_rows": 1000000000}),
    ("one 32 MB value", "SELECT repeat('x', 32 * 1024 * 1024) AS big", {}),
    ("one 16 MB value after small rows", "SELECT repeat('x', n) FROM unnest(ARRAY[1, 2, 16 * 1024 * 1024]) n", {}),
]:
    kw = {}
    if "MB value" in n:
        # Building the value on the server may outlast the 500 ms budget on a
        # busy machine; a 422 then is as right as the cut 200.
        kw = {"alt_status": 422, "alt_code": "query_timeout"}
    q("huge", n, s, 200, "", extra=extra, truncated=True, **kw)
q("huge", "max_rows negative", "SELECT 1", 400, "invalid_request", extra={"max_rows": -1})
add("huge", "max_rows not a number", 400, "invalid_json", body='{"sql":"SELECT 1","max_rows":"all"}')
add("huge", "max_rows overflows", 400, "invalid_json", body='{"sql":"SELECT 1","max_rows":1e400}')

# --- deeply nested and malformed JSON ---------------------------------------
add("json", "params nested 20000 deep", 400, "invalid_json",
    body_repeat={"prefix": '{"sql":"SELECT $1","params":[', "unit": "[", "count": 20000, "suffix_unit": "]", "suffix_count": 20000, "suffix": "]}"})
add("json", "object nested 40000 deep", 400, "invalid_json",
    body_repeat={"prefix": '{"sql":"SELECT 1","x":', "unit": '{"a":', "count": 40000, "middle": "1", "suffix_unit": "}", "suffix_count": 40001})
add("json", "params nested 5000 deep (parsable)", 400, "invalid_params",
    body_repeat={"prefix": '{"sql":"SELECT $1","params":[', "unit": "[", "count": 5000, "suffix_unit": "]", "suffix_count": 5000, "suffix": "]}"})
add("json", "sql is an object", 400, "invalid_json", body='{"sql":{"$ne":null}}')
add("json", "sql is an array", 400, "invalid_json", body='{"sql":["SELECT 1","DELETE FROM orders"]}')
add("json", "duplicate sql key, second writes", 400, NA, body='{"sql":"SELECT 1","sql":"DELETE FROM orders"}')
add("json", "truncated", 400, "invalid_json", body='{"sql": "SELECT 1"')
add("json", "trailing garbage", 400, "invalid_json", body='{"sql":"SELECT 1"} DELETE FROM orders')
add("json", "two objects", 400, "invalid_json", body='{"sql":"SELECT 1"}{"sql":"DELETE FROM orders"}')
add("json", "unknown field", 400, "invalid_json", body='{"sql":"SELECT 1","role":"postgres"}')
add("json", "null body", 400, "invalid_request", body='null')
add("json", "empty body", 400, "invalid_json", body='')
add("json", "empty sql", 400, "invalid_request", body='{"sql":""}')
add("json", "only whitespace sql", 400, SYN, body='{"sql":"   \\n\\t "}')
add("json", "object param", 400, "invalid_params", body='{"sql":"SELECT $1::jsonb","params":[{"a":1}]}')
add("json", "101 params", 400, "invalid_params", body=json.dumps({"sql": "SELECT 1", "params": list(range(101))}))
add("json", "array param of 1001 items", 400, "invalid_params", body=json.dumps({"sql": "SELECT $1::int[]", "params": [list(range(1001))]}))
add("json", "params mismatch", 400, "invalid_params", body='{"sql":"SELECT $1::int, $2::int","params":[1]}')
add("json", "placeholder out of range", 400, SYN, body='{"sql":"SELECT $99999","params":[]}')
add("json", "number out of range", 400, "sql_error", body='{"sql":"SELECT $1::float8","params":[1e400]}')
add("json", "NUL in a param", 400, "sql_error", body='{"sql":"SELECT $1::text","params":["a\\u0000b"]}')
add("json", "NUL in the SQL", 400, "invalid_request", body='{"sql":"SELECT 1 AS g) s UNION ALL SELECT g FROM generate_series(1, 100000000) g\\u0000"}')
add("json", "lone surrogate escape", 400, SYN, body='{"sql":"\\ud800DELETE FROM orders"}')

# --- invalid UTF-8 ----------------------------------------------------------
for n, raw in [
    ("bare 0xff in sql", b'{"sql":"SELECT \'\xff\'"}'),
    ("overlong slash", b'{"sql":"SELECT \'\xc0\xaf\'"}'),
    ("utf-16 surrogate bytes", b'{"sql":"SELECT \'\xed\xa0\x80\'"}'),
    ("truncated sequence", b'{"sql":"SELECT \'\xe2\x82\'"}'),
    ("invalid in a param", b'{"sql":"SELECT $1::text","params":["\xfe\xfe"]}'),
    ("invalid in a key", b'{"s\xffql":"SELECT 1"}'),
    ("latin-1 body", '{"sql":"SELECT \'caf\xe9\'"}'.encode("latin-1")),
    ("utf-16 body", '{"sql":"SELECT 1"}'.encode("utf-16")),
]:
    add("utf8", n, 400, "invalid_json", body_b64=base64.b64encode(raw).decode())

# --- giant bodies -------------------------------------------------------------
add("body", "300 KB sql", 413, "body_too_large",
    body_repeat={"prefix": '{"sql":"SELECT \'', "unit": "a", "count": 300 << 10, "suffix": "'\"}"})
add("body", "10 MB body", 413, "body_too_large",
    body_repeat={"prefix": '{"sql":"SELECT 1","params":["', "unit": "x", "count": 10 << 20, "suffix": '"]}'})
add("body", "300 KB of whitespace", 413, "body_too_large",
    body_repeat={"prefix": '{"sql":"SELECT 1"', "unit": " ", "count": 300 << 10, "suffix": "}"})
add("body", "giant body, chunked", 413, "body_too_large", chunked=True,
    body_repeat={"prefix": '{"sql":"SELECT \'', "unit": "b", "count": 1 << 20, "suffix": "'\"}"})
add("body", "giant body with bad auth", 401, "unauthorized", headers={"Authorization": "Bearer wrong-key-0000000000000"},
    body_repeat={"prefix": '{"sql":"SELECT \'', "unit": "c", "count": 1 << 20, "suffix": "'\"}"})

# --- headers past the limits (cmd/local: MaxHeaderBytes 16 KiB) ----------------
add("headers", "one 32 KB header", 431, header_repeat={"name": "X-Padding", "unit": "a", "count": 32 << 10, "times": 1}, body='{"sql":"SELECT 1"}')
add("headers", "100 headers of 1 KB", 431, header_repeat={"name": "X-Padding", "unit": "b", "count": 1 << 10, "times": 100}, body='{"sql":"SELECT 1"}')
add("headers", "1 MB header", 431, header_repeat={"name": "X-Padding", "unit": "c", "count": 1 << 20, "times": 1}, body='{"sql":"SELECT 1"}')
add("headers", "32 KB Authorization", 431, header_repeat={"name": "Authorization", "prefix": "Bearer ", "unit": "k", "count": 32 << 10, "times": 1}, body='{"sql":"SELECT 1"}')
add("headers", "32 KB URL", 431, path_repeat={"prefix": "/v1/query?q=", "unit": "x", "count": 32 << 10}, body='{"sql":"SELECT 1"}')
add("headers", "8 KB key under the limit", 401, "unauthorized", header_repeat={"name": "Authorization", "prefix": "Bearer ", "unit": "k", "count": 8 << 10, "times": 1}, body='{"sql":"SELECT 1"}')
add("headers", "header name with a space", 400, raw="POST /v1/query HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\nContent-Length: 0\r\n\r\n")
add("headers", "NUL in a header value", 400, raw="POST /v1/query HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY + "\x00\r\nContent-Length: 0\r\n\r\n")
add("headers", "conflicting Content-Length", 400, raw="POST /v1/query HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n12345")
add("headers", "negative Content-Length", 400, raw="POST /v1/query HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")
add("headers", "missing Host", 400, raw="POST /v1/query HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
add("headers", "garbage request line", 400, raw="\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n")
# Obsolete line folding is joined by net/http; without a Content-Type it is a 415.
add("headers", "obsolete line folding", 415, "unsupported_media_type", raw="POST /v1/query HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\n " + KEY + "\r\nContent-Length: 0\r\n\r\n")

# --- bad or missing auth ----------------------------------------------------
body1 = '{"sql":"SELECT 1"}'
for n, h in [
    ("missing Authorization", {"Authorization": None}),
    ("empty Authorization", {"Authorization": ""}),
    ("Bearer without key", {"Authorization": "Bearer"}),
    ("Bearer and spaces", {"Authorization": "Bearer     "}),
    ("wrong key", {"Authorization": "Bearer reliability-key-0123456780"}),
    ("key plus a character", {"Authorization": "Bearer " + KEY + "x"}),
    ("key prefix", {"Authorization": "Bearer " + KEY[:-1] if False else "Bearer reliability-key-012345678"}),
    ("Basic auth", {"Authorization": "Basic YWdlbnQ6c2VjcmV0"}),
    ("Token scheme", {"Authorization": "Token " + KEY}),
    ("key without scheme", {"Authorization": KEY}),
    ("key in X-API-Key", {"Authorization": None, "X-API-Key": KEY}),
    ("two keys in one header", {"Authorization": "Bearer " + KEY + "," + KEY}),
    ("SQL in the key", {"Authorization": "Bearer ' OR '1'='1"}),
]:
    add("auth", n, 401, "unauthorized", headers=h, body=body1)
add("auth", "key in the query string", 401, "unauthorized", headers={"Authorization": None}, path="/v1/query?api_key=" + KEY, body=body1)
add("auth", "schema without a key", 401, "unauthorized", method="GET", path="/v1/schema", headers={"Authorization": None})
add("auth", "wrong key first of two headers", 401, "unauthorized",
    raw="POST /v1/query HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong-key-0000000000000\r\nAuthorization: Bearer " + KEY + "\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n" + body1)

# --- methods, paths and content types -----------------------------------------
add("http", "GET query", 405, "method_not_allowed", method="GET")
add("http", "PUT query", 405, "method_not_allowed", method="PUT", body=body1)
add("http", "DELETE query", 405, "method_not_allowed", method="DELETE")
add("http", "dot-dot path", 404, "not_found", path="/v1/query/../../admin", body=body1)
add("http", "case-changed path", 404, "not_found", path="/v1/QUERY", body=body1)
add("http", "text/plain", 415, "unsupported_media_type", headers={"Content-Type": "text/plain"}, body=body1)
add("http", "no content type", 415, "unsupported_media_type", headers={"Content-Type": None}, body=body1)
add("http", "form encoded", 415, "unsupported_media_type", headers={"Content-Type": "application/x-www-form-urlencoded"}, body="sql=DELETE+FROM+orders")
add("http", "json lookalike type", 415, "unsupported_media_type", headers={"Content-Type": "application/jsonx"}, body=body1)
add("http", "malformed content type", 415, "unsupported_media_type", headers={"Content-Type": "application/json; charset"}, body=body1)

with open("hostile.jsonl", "w") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=True) + "\n")
print(len(cases), "cases")
