// Package layout has no code: its test holds the function module's dependency
// rules (the README's "Project structure") against the real import graph, so a
// change that breaks one fails `make test` with the rule's name.
package layout
