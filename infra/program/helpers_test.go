package program_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview"
)

func writeStack(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "Pulumi.test.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// only returns the single resource of a type, failing otherwise.
func only(t *testing.T, plan *preview.Plan, typ string) policy.Resource {
	t.Helper()
	rs := policy.OfType(plan.Resources, typ)
	if len(rs) != 1 {
		t.Fatalf("want 1 %s, got %d", typ, len(rs))
	}
	return rs[0]
}

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v (%T), want %v (%T)", what, got, got, want, want)
	}
}

// keysSet: every plan has API keys, from the stack or (offline, when a stack has
// none yet) the preview's placeholder; `pulumi preview` refuses a stack without them.
const keysSet = true
