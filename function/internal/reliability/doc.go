// Package reliability holds the function's reliability tests: database
// faults, pool exhaustion, a connection storm of fresh processes, and a
// corpus of hostile requests, all against real PostgreSQL and PgBouncer
// started on loopback by package pgtest and the real cmd/local binary.
//
// It has no code of its own beyond this comment; everything is in _test.go
// files. The everyday run (`go test ./internal/reliability`) does quick
// versions; RELIABILITY_FULL=1 adds the 200-process connection storm and
// longer fault loads. docs/reliability.md records the figures.
package reliability
