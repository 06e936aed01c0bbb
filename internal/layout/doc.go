// Package layout has no code: its tests hold both modules' dependency rules (the
// README's "Project structure") against the real import graph, and the README's
// layout table against the package list, so a change that breaks one fails
// `make test` naming the rule or the package.
package layout
