package aws_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/aws"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

// TestProvisionerInputContract: the payload the program sends has exactly the
// fields of function/cmd/dbrole/testdata/input.json, which the provisioner's own
// test decodes strictly into its Event; and the values come from the stack.
func TestProvisionerInputContract(t *testing.T) {
	root, err := config.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.FromStackFile(root, "aws-dev", "")
	if err != nil {
		t.Fatal(err)
	}
	in, err := aws.ProvisionerInput(cfg, "db.internal", `{"username":"aacadmin","password":"p"}`, `{"username":"x","password":"q"}`)
	if err != nil {
		t.Fatal(err)
	}
	var got, want map[string]any
	if err := json.Unmarshal([]byte(in), &got); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "function", "cmd", "dbrole", "testdata", "input.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	gk, wk := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))
	if !slices.Equal(gk, wk) {
		t.Fatalf("payload fields %v, provisioner's contract %v", gk, wk)
	}
	if got["role"] != cfg.Database.User || got["database"] != cfg.Database.Name || got["adminUser"] != aws.AdminLogin || got["port"] != float64(aws.PostgresPort) {
		t.Errorf("payload %v does not carry the stack's database, role and master user", got)
	}
}
