package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Namespace is the Pulumi config namespace of this project (the project name).
const Namespace = "ai-agent-connector"

// Problem is one invalid config value. Its message names everything a user needs
// to fix it without reading code: the stack file, the full key, the value and
// what is allowed.
type Problem struct {
	File    string // e.g. stacks/Pulumi.aws-dev.yaml
	Key     string // without namespace, e.g. "memoryMB" or "azure.plan"
	Value   string // as written; secrets are never put here
	Allowed string
}

// fullKey is the key as it appears in `pulumi config` (namespace:key).
// A Key that already has a namespace (a provider's, such as aws:region) is kept.
func (p Problem) fullKey() string {
	if strings.Contains(p.Key, ":") {
		return p.Key
	}
	return Namespace + ":" + p.Key
}

func (p Problem) Error() string {
	return fmt.Sprintf("%s: %s = %s: %s", p.File, p.fullKey(), p.Value, p.Allowed)
}

// Problems collects every problem of one stack, so a user sees all of them at once.
type Problems struct {
	file string
	list []Problem
}

// NewProblems returns a collector for the given stack file.
func NewProblems(file string) *Problems { return &Problems{file: file} }

// Add records that key has a value that is not allowed. value is formatted with %v;
// pass "(not set)" for a missing value. allowed says what would be accepted.
func (v *Problems) Add(key string, value any, allowed string) {
	v.list = append(v.list, Problem{File: v.file, Key: key, Value: show(value), Allowed: allowed})
}

// addf is Add with a formatted allowed text.
func (v *Problems) addf(key string, value any, format string, args ...any) {
	v.Add(key, value, fmt.Sprintf(format, args...))
}

func (v *Problems) has(key string) bool {
	for _, p := range v.list {
		if p.Key == key {
			return true
		}
	}
	return false
}

// File is the stack file the problems belong to.
func (v *Problems) File() string { return v.file }

// List returns the recorded problems.
func (v *Problems) List() []Problem { return v.list }

// Err returns nil when nothing was recorded, else one error listing every problem
// (sorted by key, so the message is stable).
func (v *Problems) Err() error {
	if len(v.list) == 0 {
		return nil
	}
	sorted := append([]Problem(nil), v.list...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	errs := make([]error, len(sorted))
	for i := range sorted {
		errs[i] = sorted[i]
	}
	return &InvalidError{File: v.file, Problems: sorted, err: errors.Join(errs...)}
}

// InvalidError is returned by the loader when the stack config is invalid.
type InvalidError struct {
	File     string
	Problems []Problem
	err      error
}

func (e *InvalidError) Error() string {
	lines := strings.Split(e.err.Error(), "\n")
	if len(lines) == 1 {
		return "invalid config: " + lines[0]
	}
	return fmt.Sprintf("invalid config (%d problems):\n  %s", len(lines), strings.Join(lines, "\n  "))
}

func (e *InvalidError) Unwrap() error { return e.err }

// raw is a value shown exactly as written (e.g. the JSON of an object field).
type raw string

func show(value any) string {
	switch v := value.(type) {
	case nil:
		return "(not set)"
	case string:
		if v == "" {
			return `""`
		}
		return fmt.Sprintf("%q", v)
	case Secret:
		return v.String()
	case raw:
		return string(v)
	default:
		return fmt.Sprintf("%v", v)
	}
}
