package preview

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
)

// WriteTree prints the plan as a tree: type token, name, then key inputs (flattened,
// tags left out, long values shortened).
func (p *Plan) WriteTree(w io.Writer) error {
	bw := &errWriter{w: w}
	bw.printf("Stack %s (%s), %d resources\n", p.Stack, p.StackFile, len(p.Resources))
	kids := map[string][]policy.Resource{}
	for _, r := range p.Resources {
		kids[r.Parent] = append(kids[r.Parent], r)
	}
	var walk func(parent, indent string)
	walk = func(parent, indent string) {
		list := kids[parent]
		for i, r := range list {
			branch, next := "├─ ", "│  "
			if i == len(list)-1 {
				branch, next = "└─ ", "   "
			}
			bw.printf("%s%s%s  %s\n", indent, branch, r.Type, r.Name)
			for _, kv := range keyInputs(r.Inputs) {
				bw.printf("%s%s    %s\n", indent, next, kv)
			}
			if r.Name != parent {
				walk(r.Name, indent+next)
			}
		}
	}
	walk("", "")
	if len(p.Outputs) > 0 {
		bw.printf("Outputs:\n")
		keys := make([]string, 0, len(p.Outputs))
		for k := range p.Outputs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			bw.printf("  %s: %v\n", k, p.Outputs[k])
		}
	}
	for _, n := range p.Notes {
		bw.printf("Note: %s\n", n)
	}
	if len(p.Violations) == 0 {
		bw.printf("Policy: %d checks passed\n", p.Checks)
	} else {
		for _, v := range p.Violations {
			bw.printf("%s\n", v)
		}
	}
	return bw.err
}

// keyInputs flattens inputs into sorted key=value lines.
func keyInputs(in map[string]any) []string {
	var out []string
	var flat func(prefix string, v any)
	flat = func(prefix string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				flat(join(prefix, k), x)
			}
		case []any:
			if len(t) == 0 {
				return
			}
			allScalar := true
			for _, x := range t {
				switch x.(type) {
				case map[string]any, []any:
					allScalar = false
				}
			}
			if allScalar {
				parts := make([]string, len(t))
				for i, x := range t {
					parts[i] = fmt.Sprint(x)
				}
				out = append(out, prefix+"=["+shorten(strings.Join(parts, ", "))+"]")
				return
			}
			for i, x := range t {
				flat(fmt.Sprintf("%s[%d]", prefix, i), x)
			}
		case nil:
		default:
			out = append(out, prefix+"="+shorten(fmt.Sprint(t)))
		}
	}
	for k, v := range in {
		if k == "tags" || k == "tagsAll" {
			continue
		}
		flat(k, v)
	}
	sort.Strings(out)
	return out
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

func shorten(s string) string {
	const max = 120
	if len(s) > max {
		return s[:max-3] + "..."
	}
	return s
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
