package program_test

import (
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/preview"
	"github.com/ai-agent-connector/ai-agent-connector/infra/program"
)

// TestDatabaseModeGuard: a stack deployed with database.mode create and now set to
// existing would delete its database at `pulumi up` (newcomer walkthrough, item 1).
// The program refuses it before planning anything unless confirmModeChange is set.
func TestDatabaseModeGuard(t *testing.T) {
	existing := "config:\n  ai-agent-connector:cloud: gcp\n  ai-agent-connector:database:\n    mode: existing\n    maxConnections: 200\n%s" +
		"  ai-agent-connector:gcp:\n    existingInstanceConnectionName: my-project:us-central1:shared-pg\n"
	root := projectRoot(t)
	deployed := map[string]any{program.DatabaseModeOutput: "create"}
	for _, tc := range []struct {
		name, confirm string
		deployed      map[string]any
		wantErr       string
	}{
		{"mode changed under a deployed database", "", deployed, "this stack was deployed with database.mode create"},
		{"confirmed", "    confirmModeChange: true\n", deployed, ""},
		{"never deployed", "", nil, ""},
		{"same mode", "", map[string]any{program.DatabaseModeOutput: "existing"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := writeStack(t, strings.Replace(existing, "%s", tc.confirm, 1))
			plan, err := preview.Run(preview.Options{Root: root, Stack: "test", StackFile: file, Deployed: tc.deployed})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := plan.Outputs[program.DatabaseModeOutput]; got != "existing" {
					t.Errorf("databaseMode output = %v, want existing", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "confirmModeChange") {
				t.Fatalf("want the mode-change refusal, got %v", err)
			}
		})
	}
}
