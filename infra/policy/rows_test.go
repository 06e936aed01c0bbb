package policy_test

import (
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
)

// row is one policy mutation: what it changes in a compliant plan, as data, and the
// violation that change must cause. mutate is only for what the data fields cannot
// say (dependency order, a changed type token).
type row struct {
	name       string // subtest name; "" means check/msg
	stack      string // committed stack the plan comes from ("" = the test's own plan)
	check, msg string // the wanted violation: check ID and part of its message
	typ        string // edits apply to the first resource of this type
	edits      map[string]any
	// edits: dotted input path → new value; nil deletes the key. Paths create maps.
	add    []policy.Resource // appended resources
	drop   string            // every resource of this type is removed
	mutate func(t *testing.T, rs []policy.Resource) []policy.Resource
}

func (r row) String() string {
	if r.name != "" {
		return r.name
	}
	return r.check + "/" + r.msg
}

// apply makes the row's change to rs (a copy the caller owns).
func (r row) apply(t *testing.T, rs []policy.Resource) []policy.Resource {
	t.Helper()
	if r.typ != "" {
		target := first(t, rs, r.typ)
		for path, v := range r.edits {
			set(target.Inputs, path, v)
		}
	}
	if r.drop != "" {
		var kept []policy.Resource
		for _, x := range rs {
			if x.Type != r.drop {
				kept = append(kept, x)
			}
		}
		if len(kept) == len(rs) {
			t.Fatalf("plan has no %s to drop", r.drop)
		}
		rs = kept
	}
	rs = append(rs, r.add...)
	if r.mutate != nil {
		rs = r.mutate(t, rs)
	}
	return rs
}

// run checks that the mutated plan has the row's violation and that Err reports it.
func (r row) run(t *testing.T, rs []policy.Resource) {
	t.Helper()
	vs := policy.Evaluate(r.apply(t, rs))
	for _, v := range vs {
		if v.Check == r.check && strings.Contains(v.Message, r.msg) {
			if err := policy.Err(vs); err == nil || !strings.Contains(err.Error(), r.check) {
				t.Errorf("Err(violations) = %v, want it to name %s", err, r.check)
			}
			return
		}
	}
	t.Fatalf("want a %s violation mentioning %q, got %v", r.check, r.msg, vs)
}

// set writes a dotted path (creating maps); value nil deletes the leaf.
func set(m map[string]any, path string, value any) {
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	if value == nil {
		delete(m, keys[len(keys)-1])
		return
	}
	m[keys[len(keys)-1]] = value
}

// first returns the first resource of a type (fails if none).
func first(t *testing.T, rs []policy.Resource, typ string) policy.Resource {
	t.Helper()
	for _, r := range rs {
		if r.Type == typ {
			return r
		}
	}
	t.Fatalf("plan has no %s", typ)
	return policy.Resource{}
}

// idxOf returns the index of the first resource of typ.
func idxOf(t *testing.T, rs []policy.Resource, typ string) int {
	t.Helper()
	for i, r := range rs {
		if r.Type == typ {
			return i
		}
	}
	t.Fatalf("no %s in the plan", typ)
	return -1
}
