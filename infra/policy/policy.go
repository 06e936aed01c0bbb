// Package policy checks a planned resource list (type token, name, inputs) in the
// spirit of Pulumi's AWS Guard, offline: scripts/preview and the tests run it over
// the resources a stack would create under mocks. Each cloud's checks are a slice
// in its own file (aws.go, gcp.go, azure.go), joined in checks.
package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Resource is one planned resource. Inputs are plain Go values (map[string]any,
// []any, string, float64, bool); secret values are the string Secret, values not
// known before deployment the string Unknown.
type Resource struct {
	Type   string         `json:"type"`
	Name   string         `json:"name"`
	Parent string         `json:"parent"`
	Inputs map[string]any `json:"inputs"`
	// DependsOn names the resources this one waits for (explicit DependsOn and
	// inputs taken from their outputs): the engine creates those first.
	DependsOn []string `json:"dependsOn,omitempty"`
}

// Placeholders for values a check cannot see.
const (
	Secret  = "[secret]"
	Unknown = "[unknown]"
)

// Violation is one failed check on one resource.
type Violation struct {
	Check    string // check ID
	Resource string // type::name
	Message  string
}

func (v Violation) String() string {
	return fmt.Sprintf("policy %s: %s: %s", v.Check, v.Resource, v.Message)
}

// Check is one policy. Run sees every planned resource and reports violations.
type Check struct {
	ID          string
	Description string
	Run         func(rs []Resource) []Violation
}

// checks is every cloud's policies. A new cloud adds its slice here; a cloud with
// no slice is checked by nothing.
var checks = slices.Concat(awsChecks, gcpChecks, azureChecks)

// Checks returns every check, sorted by ID.
func Checks() []Check {
	out := slices.Clone(checks)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Evaluate runs every check over rs; violations are sorted for stable output.
func Evaluate(rs []Resource) []Violation { return EvaluateChecks(Checks(), rs) }

// EvaluateChecks runs cs over rs (a caller that adds or narrows checks passes its
// own list); violations are sorted by check, then resource.
func EvaluateChecks(cs []Check, rs []Resource) []Violation {
	var out []Violation
	for _, c := range cs {
		for _, v := range c.Run(rs) {
			v.Check = c.ID
			out = append(out, v)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Check != out[j].Check {
			return out[i].Check < out[j].Check
		}
		return out[i].Resource < out[j].Resource
	})
	return out
}

// Error is the error of a plan that violates policy.
type Error struct{ Violations []Violation }

func (e *Error) Error() string {
	lines := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		lines[i] = v.String()
	}
	return fmt.Sprintf("%d policy violation(s):\n  %s", len(lines), strings.Join(lines, "\n  "))
}

// Err returns an *Error when there are violations, else nil.
func Err(vs []Violation) error {
	if len(vs) == 0 {
		return nil
	}
	return &Error{Violations: vs}
}

// Helpers for checks.

// OfType returns the resources with the given type token.
func OfType(rs []Resource, typ string) []Resource {
	var out []Resource
	for _, r := range rs {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// ID is the resource's display ID, type::name.
func (r Resource) ID() string { return r.Type + "::" + r.Name }

// Get walks a dotted path of map keys ("tracingConfig.mode") and returns the value.
func (r Resource) Get(path string) (any, bool) {
	var cur any = r.Inputs
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// String returns the string at path ("" if missing or not a string).
func (r Resource) String(path string) string {
	v, _ := r.Get(path)
	s, _ := v.(string)
	return s
}

// Bool returns the bool at path (false if missing or not a bool).
func (r Resource) Bool(path string) bool {
	v, _ := r.Get(path)
	b, _ := v.(bool)
	return b
}

// Number returns the number at path (0 if missing).
func (r Resource) Number(path string) float64 {
	v, _ := r.Get(path)
	f, _ := v.(float64)
	return f
}

// Needs reports whether r waits for the resource named name.
func (r Resource) Needs(name string) bool {
	for _, d := range r.DependsOn {
		if d == name {
			return true
		}
	}
	return false
}

// Violate builds a violation of r.
func Violate(r Resource, format string, args ...any) Violation {
	return Violation{Resource: r.ID(), Message: fmt.Sprintf(format, args...)}
}
