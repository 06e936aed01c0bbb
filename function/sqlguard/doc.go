// Package sqlguard screens one SQL statement before it reaches the database.
//
// Screening is defence in depth, not the security boundary: the READ ONLY
// transaction and the database role are what hold. The screener exists so
// that an agent gets a clear, immediate 4xx that names the problem instead of
// a database error, and so that whole classes of statements (COPY ... TO
// PROGRAM, SET ROLE, LISTEN, several statements in one request) never reach
// the server at all.
//
// The lexer understands PostgreSQL's quoting rules (standard and backslash-escaped strings,
// dollar quoting, quoted identifiers, nested block comments), so words inside
// literals and identifiers never trigger a rejection, and a statement cannot
// hide a second one inside a comment or string that the lexer misreads.
package sqlguard
