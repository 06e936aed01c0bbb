package program_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview"
)

// planTestedInPackage are the clouds whose plan tests live next to their component
// (infra/aws, infra/gcp, infra/azure: TestCommittedStacks); a cloud missing here has
// no plan assertions, which TestEveryStackFile refuses.
var planTestedInPackage = map[config.Cloud]bool{config.CloudAWS: true, config.CloudGCP: true, config.CloudAzure: true}

// TestEveryStackFile runs the program under mocks with every stack file in stacks/,
// checks policy, the outputs and function environment every cloud shares, and that
// the stack's cloud has its plan tests next to its component.
func TestEveryStackFile(t *testing.T) {
	root := projectRoot(t)
	names, err := config.StackNames(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 2 {
		t.Fatalf("want at least the aws-dev and aws-prod stacks, found %v", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			cfg, err := config.FromStackFile(root, name, "")
			if err != nil {
				t.Fatalf("committed stack file is invalid: %v", err)
			}
			plan, err := preview.Run(preview.Options{Root: root, Stack: name})
			if err != nil {
				t.Fatalf("preview %s: %v", name, err)
			}
			if len(plan.Violations) != 0 {
				t.Fatalf("policy violations: %v", plan.Violations)
			}
			if u, _ := plan.Outputs["url"].(string); !strings.HasPrefix(u, "https://") {
				t.Errorf("output url = %v, want an https URL", plan.Outputs["url"])
			}
			if plan.Outputs["cloud"] != string(cfg.Cloud) {
				t.Errorf("output cloud = %v, want %s", plan.Outputs["cloud"], cfg.Cloud)
			}
			if !planTestedInPackage[cfg.Cloud] {
				t.Fatalf("no plan assertions for cloud %s", cfg.Cloud)
			}
			assertFunctionEnv(t, cfg, plan)
		})
	}
}

// TestInvalidStackFailsBeforeAnyResource: the program stops on invalid config with the
// config message and declares nothing.
func TestInvalidStackFailsBeforeAnyResource(t *testing.T) {
	file := writeStack(t, "config:\n  ai-agent-connector:cloud: aws\n  ai-agent-connector:memoryMB: 64\n")
	plan, err := preview.Run(preview.Options{Root: projectRoot(t), Stack: "test", StackFile: file})
	var inv *config.InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("want *config.InvalidError, got %v", err)
	}
	if plan != nil {
		t.Fatalf("want no plan, got %d resources", len(plan.Resources))
	}
	for _, want := range []string{file, "ai-agent-connector:memoryMB", "64", "128 to 10240"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
