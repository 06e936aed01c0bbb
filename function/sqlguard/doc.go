// Package sqlguard screens one SQL statement before it reaches the database.
//
// Screening is defence in depth, not the security boundary: the READ ONLY
// transaction and the database role are what hold. The screener exists so
// that an agent gets a clear, immediate 4xx that names the problem, and so
// that what a READ ONLY transaction does not stop (advisory locks, signals,
// sequences, large objects, other sessions' SQL, XML work statement_timeout
// cannot interrupt, COPY ... TO PROGRAM, several statements in one request)
// never reaches the server at all.
//
// # API
//
// Check returns a Statement (the SQL cut after its last token, the highest
// $n used) or a *Rejection with a Code: CodeSyntaxError (unreadable, empty,
// or a first word that starts no statement, such as "selec"),
// CodeStatementNotAllowed (anything but one read query, row locks, views of
// other sessions) or CodeFunctionNotAllowed (a call that is not allowed).
//
// # The lexer
//
// The lexer follows PostgreSQL 15's scan.l wherever the answer changes
// where a literal, a comment or an identifier ends: newline is \n or \r, so a
// -- comment ends at either; a literal followed by whitespace that holds a
// newline (and -- comments) and another quote is one literal, continued in
// the first part's mode (E'...' keeps its backslash escapes, B'...' and X'...' have no
// doubled quote); dollar quotes take identifier tags that do not start with
// a digit ($1 is a parameter); block comments nest; a letter glued to an
// identifier (abcE'...') is part of it, not a prefix; \v is not whitespace in
// 15; "123abc" and "$1a" are errors; identifiers are folded in ASCII only
// and cut at 63 bytes, as the server looks them up. A NUL is refused: the
// protocol would end the statement there.
//
// standard_conforming_strings is assumed on: with it off, '...' reads
// backslash escapes like E'...', and the screener and the server would
// disagree on where a literal ends. The connector pins it on in every
// transaction (SET LOCAL) and refuses to serve when the server reports it
// off for the role or database.
//
// # The oracle
//
// The lexer is proven against the real server by a differential test
// (oracle_test.go): PostgreSQL itself decides what was code, literal and
// comment. A generator mixes the fragments scan.l treats specially (quotes,
// E'...', U&'...' with UESCAPE, B'...' and X'...', $tag$ with odd tags, -- and nested
// block comments, \r, \n, \v, continuations, operators holding -- or /*,
// type names glued to literals, numeric junk) into SELECT lists. Each input
// runs on a PostgreSQL 15 server twice: as sent, and as the screener read
// it, re-rendered with nothing left to interpret (comments gone, every
// literal rewritten as a plain '...' of the value the screener decoded, code
// tokens verbatim). If the screener read the input as the server did, both
// give the same rows, or the same SQLSTATE and message (cut before the
// "at or near" part, which quotes source text). A comment that ended too
// late drops columns, a literal read in the wrong mode changes a value or
// the column count, and where the screener refuses to read an input the
// server must refuse it too. TestOracleGenerated runs 1,500 inputs from a
// fixed seed in every `go test`; FuzzOracle drives the same generator from
// fuzz bytes (2,000 in `make test`, more in `make fuzz`), one server shared
// by the fuzz workers; each divergence found is kept in oracleRegressions.
//
// # Functions: deny by default
//
// A call is allowed only when PostgreSQL's built-in catalog marks every
// overload of the name immutable or stable, or the name is on a short
// allow-list of volatile but harmless functions (random, clock_timestamp,
// pg_sleep, sizes; catalog_test.go gives the reason for each). Whatever
// their volatility, these classes are refused: functions that run SQL text
// (query_to_xml and the *_to_xml family, ts_stat, ts_rewrite, dblink), the
// XML family and the xml type (libxml work statement_timeout cannot
// interrupt), large objects, advisory locks, signals and server control,
// replication, statistics resets, setseed, txid_current and
// pg_current_xact_id (they burn transaction ids), BRIN/GIN maintenance,
// set_config, server files, sequences, and views and functions that show
// other sessions (pg_stat_activity, pg_stat_get_activity, pg_locks,
// pg_stat_statements, and pg_prepared_statements and pg_cursors, since a
// pooler shares one server connection between clients). A function that is
// not built in (user-defined, an extension's) is refused by name.
//
// Parentheses must balance: the connector runs the statement as a subquery
// with a LIMIT, and a ')' that closes nothing would close the wrapper.
//
// The catalog is a generated table (catalog_gen.go), read from a real
// server by `go test ./sqlguard -run TestCatalog -update`; TestCatalog fails
// when it is stale for the running server. It is one sorted string constant
// searched in place: no round trip, no work at init.
//
// Where a name before "(" is a call is decided by the server too
// (TestCallOracle): a volatile canary that raises a NOTICE when it runs is
// named in 50 syntactic positions (calls, FROM items, aliases with column
// names, WITH names, types with modifiers, typed literals) and 14 spellings
// (qualified, quoted, U&"...", spaced, commented); every statement in which
// the server ran it must have been refused.
//
// Calls the screener cannot see are checked against the server instead
// (TestNoHiddenCalls): every built-in operator, cast, type input and
// modifier function and aggregate support function runs an allowed
// function, save those of the xml type, refused by name. Names are screened
// wherever PostgreSQL resolves them: schema-qualified (pg_catalog.lo_import,
// "pg_catalog"."lo_import", db.pg_catalog.lo_import), after a dot as
// attribute notation (t.pg_advisory_lock is pg_advisory_lock(t)), and in
// alias and type positions, which are no calls for unknown names
// (generate_series(1, 3) AS g(i), x::vector(3), WITH w(a) AS (...)) but
// still refuse a refused built-in. Keywords followed by "(" are grammar
// (EXISTS, OVER, FILTER, CUBE) unless they also name a built-in function.
//
// What the screener cannot see and the role must hold: functions called
// inside views or by user-defined operators, casts and types, a
// user-defined function called in attribute notation (t.f, where t has no
// column f) or in an alias or type position, and one whose name is a
// keyword (CREATE FUNCTION over(...)). All of these need DDL by the
// database's owner first. Memory a built-in can allocate (repeat('x',
// 500000000)) is bounded by the server, not here.
package sqlguard
