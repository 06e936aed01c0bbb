package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

// TestConfigGaps: mistakes a new user makes that used to pass silently (newcomer
// walkthrough, item 7). Each must fail with the key and a fix, or, for a number
// written by `pulumi config set --path`, be accepted.
func TestConfigGaps(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string // "" = must be accepted
	}{
		{"misspelt namespace", "  ai-agent-connector:cloud: aws\n  ai-agent-conector:logLevel: debug\n",
			[]string{"ai-agent-conector:logLevel", "did you mean ai-agent-connector:logLevel"}},
		{"invalid aws region", "  ai-agent-connector:cloud: aws\n  aws:region: us-east-7\n",
			[]string{"aws:region = \"us-east-7\"", "did you mean us-east-1"}},
		{"aws region without dashes", "  ai-agent-connector:cloud: aws\n  aws:region: useast1\n",
			[]string{"aws:region = \"useast1\"", "not an AWS region"}},
		{"azure-native:location disagrees", "  ai-agent-connector:cloud: azure\n  azure-native:location: eastus\n  ai-agent-connector:azure:\n    location: westeurope\n",
			[]string{"azure-native:location = \"eastus\"", "azure.location (westeurope)"}},
		{"aws section in a gcp stack", "  ai-agent-connector:cloud: gcp\n  ai-agent-connector:aws:\n    functionUrlAuth: AWS_IAM\n",
			[]string{"ai-agent-connector:aws = ", "only for cloud aws", "cloud is gcp"}},
		{"aws provider key in a gcp stack", "  ai-agent-connector:cloud: gcp\n  aws:region: us-east-1\n",
			[]string{"aws:region", "provider config of aws in a gcp stack"}},
		{"function as the aws admin", "  ai-agent-connector:cloud: aws\n  ai-agent-connector:database:\n    user: aacadmin\n",
			[]string{"database.user = \"aacadmin\"", "admin roles"}},
		{"function as postgres on azure", "  ai-agent-connector:cloud: azure\n  ai-agent-connector:database:\n    user: postgres\n",
			[]string{"database.user = \"postgres\"", "read-only role"}},
		{"engineVersion as a number", "  ai-agent-connector:cloud: aws\n  ai-agent-connector:database:\n    engineVersion: 16\n", nil},
	}
	r := root(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := writeStack(t, "", tc.yaml)
			c, err := config.FromStackFile(r, "test", file)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("want accepted, got %v", err)
				}
				if c.Database.EngineVersion != "16" {
					t.Fatalf("engineVersion = %q, want 16", c.Database.EngineVersion)
				}
				return
			}
			var inv *config.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("want *config.InvalidError, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestLoadRequiresAPIKeys: under the engine (`pulumi preview` / `up`), a stack
// without apiKeys fails before anything is planned, with the command that sets them.
func TestLoadRequiresAPIKeys(t *testing.T) {
	_, err := load(t, "fork", map[string]string{"ai-agent-connector:cloud": "aws"}, nil)
	if err == nil || !strings.Contains(err.Error(), "pulumi config set --secret apiKeys") || !strings.Contains(err.Error(), "-s fork") {
		t.Fatalf("want the apiKeys command for stack fork, got %v", err)
	}
}

// TestPlainSecretMessageNamesTheStack: a stack file given by path (scripts/preview
// --file) may have any name; the fix names the stack, not the file.
func TestPlainSecretMessageNamesTheStack(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-apikeys.yaml")
	if err := os.WriteFile(file, []byte("config:\n  ai-agent-connector:cloud: aws\n  ai-agent-connector:apiKeys: hunter2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := config.FromStackFile(root(t), "mine", file)
	if err == nil || !strings.Contains(err.Error(), "-s mine`") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("want the command for stack mine without the value, got %v", err)
	}
}

// TestValueProblemsListedTogether: a value outside its set and a range error are
// reported in one run (the walkthrough saw only logLevel, then memoryMB after a fix).
func TestValueProblemsListedTogether(t *testing.T) {
	file := writeStack(t, "", "  ai-agent-connector:cloud: aws\n  ai-agent-connector:memoryMB: 5\n  ai-agent-connector:logLevel: loud\n")
	_, err := config.FromStackFile(root(t), "test", file)
	if err == nil || !strings.Contains(err.Error(), "logLevel") || !strings.Contains(err.Error(), "memoryMB") {
		t.Fatalf("want both logLevel and memoryMB, got %v", err)
	}
}
