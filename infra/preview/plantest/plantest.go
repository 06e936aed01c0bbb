// Package plantest holds the helpers that plan tests share: they preview a stack
// under infra/preview's mocks and assert on the planned resources. Each cloud's
// plan tests live next to its component (infra/aws, infra/gcp, infra/azure);
// infra/program's tests keep the contract every cloud shares.
package plantest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/aws"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview"
)

// KeysSet: every plan has API keys, from the stack or (offline, when a stack has
// none yet) the preview's placeholder; `pulumi preview` refuses a stack without them.
const KeysSet = true

// Root is the project root (Pulumi.yaml, stacks/).
func Root(t *testing.T) string {
	t.Helper()
	r, err := config.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Stacks are the committed stacks of one cloud; none is a failure.
func Stacks(t *testing.T, cloud config.Cloud) []string {
	t.Helper()
	root := Root(t)
	names, err := config.StackNames(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range names {
		cfg, err := config.FromStackFile(root, name, "")
		if err != nil {
			t.Fatalf("committed stack file is invalid: %v", err)
		}
		if cfg.Cloud == cloud {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no committed stack for cloud %s in %v", cloud, names)
	}
	return out
}

// Plan previews a committed stack and returns its config and plan.
func Plan(t *testing.T, stack string) (*config.Config, *preview.Plan) {
	t.Helper()
	root := Root(t)
	cfg, err := config.FromStackFile(root, stack, "")
	if err != nil {
		t.Fatalf("committed stack file is invalid: %v", err)
	}
	plan, err := preview.Run(preview.Options{Root: root, Stack: stack})
	if err != nil {
		t.Fatalf("preview %s: %v", stack, err)
	}
	return cfg, plan
}

// EachStack previews every committed stack of a cloud and checks each plan against
// its config, one subtest per stack.
func EachStack(t *testing.T, cloud config.Cloud, check func(t *testing.T, cfg *config.Config, plan *preview.Plan)) {
	for _, name := range Stacks(t, cloud) {
		t.Run(name, func(t *testing.T) {
			cfg, plan := Plan(t, name)
			check(t, cfg, plan)
		})
	}
}

// WriteStack writes a temporary stack file named for stack "test".
func WriteStack(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "Pulumi.test.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Only returns the single resource of a type, failing otherwise.
func Only(t *testing.T, plan *preview.Plan, typ string) policy.Resource {
	t.Helper()
	rs := policy.OfType(plan.Resources, typ)
	if len(rs) != 1 {
		t.Fatalf("want 1 %s, got %d", typ, len(rs))
	}
	return rs[0]
}

// Eq reports got != want, with both types.
func Eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v (%T), want %v (%T)", what, got, got, want, want)
	}
}

// Itoa is n as the plan spells a number in a string.
func Itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// NameValues reads a list of {name, value} objects at path (Azure app settings) as a map.
func NameValues(r policy.Resource, path string) map[string]string {
	out := map[string]string{}
	v, _ := r.Get(path)
	list, _ := v.([]any)
	for _, x := range list {
		m, _ := x.(map[string]any)
		name, _ := m["name"].(string)
		s, _ := m["value"].(string)
		out[name] = s
	}
	return out
}

// AWSFunctions returns an AWS plan's connector function and the role provisioner's
// (zero without a created database). Here, not in infra/aws's tests, because
// infra/program's function-environment check reads the connector's too.
func AWSFunctions(t *testing.T, plan *preview.Plan) (fn, prov policy.Resource) {
	t.Helper()
	var fns, provs []policy.Resource
	for _, f := range policy.OfType(plan.Resources, "aws:lambda/function:Function") {
		if strings.HasSuffix(f.String("name"), aws.ProvisionerSuffix) {
			provs = append(provs, f)
		} else {
			fns = append(fns, f)
		}
	}
	if len(fns) != 1 || len(provs) > 1 {
		t.Fatalf("want 1 connector function and at most 1 provisioner, got %d and %d", len(fns), len(provs))
	}
	if len(provs) == 1 {
		prov = provs[0]
	}
	return fns[0], prov
}
