package connector

import (
	"strings"
	"testing"
)

// TestMessagesSpeakJSON checks that refusals name JSON fields and kinds, as
// an agent wrote them, and never the Go types they decode into.
func TestMessagesSpeakJSON(t *testing.T) {
	for _, c := range []struct {
		body, want string
	}{
		{`{"sql":1}`, `"sql" must be a string (got number)`},
		{`{"sql":"SELECT 1","params":{"a":1}}`, `"params" must be an array (got object)`},
		{`{"sql":"SELECT 1","max_rows":1.5}`, `"max_rows" must be an integer (got number 1.5)`},
		{`{"sql":"SELECT 1","max_rows":"5"}`, `"max_rows" must be an integer (got string)`},
		{`["SELECT 1"]`, `it must be a JSON object with "sql", "params" and "max_rows"`},
		{`{"sql":"SELECT 1","database":"x"}`, `unknown field "database"; the fields are "sql", "params" and "max_rows"`},
		{`{"sql": "SELECT 1"`, `the JSON ends too early`},
		{``, `it is empty`},
		{`{"sql" "SELECT 1"}`, `malformed JSON at byte`},
	} {
		_, e := parseQuery([]byte(c.body), "the request body")
		if e == nil {
			t.Errorf("%s: accepted", c.body)
			continue
		}
		if !strings.Contains(e.Message, c.want) {
			t.Errorf("%s: %q lacks %q", c.body, e.Message, c.want)
		}
		for _, goism := range []string{"Go ", "queryInput", "json.", "struct", "int ", "unmarshal"} {
			if strings.Contains(e.Message, goism) {
				t.Errorf("%s: %q names Go (%q)", c.body, e.Message, goism)
			}
		}
	}
}

func TestParamsMismatchGrammar(t *testing.T) {
	for _, c := range []struct {
		placeholders, params int
		want                 string
	}{
		{0, 1, "the statement has no placeholders but 1 param was given"},
		{1, 0, "the statement uses 1 placeholder ($1) but no params were given"},
		{3, 2, "the statement uses 3 placeholders ($1..$3) but 2 params were given"},
	} {
		if got := paramsMismatch(c.placeholders, c.params); got != c.want {
			t.Errorf("%d/%d: %q, want %q", c.placeholders, c.params, got, c.want)
		}
	}
}
