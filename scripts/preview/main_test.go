package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
)

func TestJSONPlan(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--stack", "aws-dev", "--json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rs []struct {
		Type, Name, Parent string
		Inputs             map[string]any
	}
	if err := json.Unmarshal(out.Bytes(), &rs); err != nil {
		t.Fatalf("not a JSON array of resources: %v", err)
	}
	var raw []map[string]any
	_ = json.Unmarshal(out.Bytes(), &raw)
	for _, k := range []string{"type", "name", "parent", "inputs"} {
		if _, ok := raw[0][k]; !ok {
			t.Errorf("JSON objects lack %q", k)
		}
	}
	types := map[string]string{}
	for _, r := range rs {
		types[r.Type] = r.Parent
	}
	if p, ok := types["aws:lambda/function:Function"]; !ok || p != "ai-agent-connector" {
		t.Errorf("want the Lambda function under the component, got parent %q (present %v)", p, ok)
	}
	if _, ok := types["ai-agent-connector:aws:Connector"]; !ok {
		t.Error("no component in the plan")
	}
}

func TestTreeAndSecrets(t *testing.T) {
	file := filepath.Join(t.TempDir(), "Pulumi.s.yaml")
	os.WriteFile(file, []byte("config:\n  ai-agent-connector:cloud: aws\n  ai-agent-connector:apiKeys:\n    secure: v1:c2FsdA==:c2VjcmV0\n"), 0o644)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--stack", "s", "--file", file}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s := out.String()
	for _, want := range []string{"└─ ai-agent-connector:aws:Connector  ai-agent-connector", "aws:rds/proxy:Proxy", "API_KEYS=[secret]", "coldStartCommand: go run ./scripts/coldstart --stack s", "Policy: "} {
		if !strings.Contains(s, want) {
			t.Errorf("tree lacks %q", want)
		}
	}
	if strings.Contains(s, "c2VjcmV0") {
		t.Error("secret ciphertext printed")
	}
}

func TestRejectsBadStack(t *testing.T) {
	file := filepath.Join(t.TempDir(), "Pulumi.bad.yaml")
	os.WriteFile(file, []byte("config:\n  ai-agent-connector:cloud: aws\n  ai-agent-connector:warmInstances: 9\n  ai-agent-connector:maxInstances: 3\n"), 0o644)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--stack", "bad", "--file", file}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{file, "ai-agent-connector:warmInstances", "9", "at most maxInstances (3)"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr %q lacks %q", errb.String(), want)
		}
	}
}

func TestUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), nil, &out, &errb); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if code := run(context.Background(), []string{"--stack", "no-such-stack"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "Pulumi.no-such-stack.yaml") {
		t.Fatalf("unknown stack: exit %d, stderr %s", code, errb.String())
	}
}

// TestPolicyViolationFails: a violated policy prints the plan, then the violation, and exits 1.
func TestPolicyViolationFails(t *testing.T) {
	saved := checks
	defer func() { checks = saved }()
	checks = append(slices.Clone(saved), policy.Check{ID: "test-no-lambda", Description: "planted by the test", Run: func(rs []policy.Resource) []policy.Violation {
		var out []policy.Violation
		for _, r := range policy.OfType(rs, "aws:lambda/function:Function") {
			out = append(out, policy.Violate(r, "planted violation"))
		}
		return out
	}})
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--stack", "aws-dev"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(errb.String(), "policy test-no-lambda: aws:lambda/function:Function::ai-agent-connector-fn: planted violation") {
		t.Errorf("stderr lacks the violation: %s", errb.String())
	}
	if !strings.Contains(out.String(), "aws:lambda/function:Function") {
		t.Error("the plan is still printed")
	}
}

// TestDeployedOutputs: with the last deployment's outputs, the preview refuses what
// `pulumi up` would refuse (a database.mode change under a deployed database).
func TestDeployedOutputs(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "Pulumi.s.yaml")
	os.WriteFile(file, []byte("config:\n  ai-agent-connector:cloud: gcp\n  ai-agent-connector:database:\n    mode: existing\n    maxConnections: 200\n"+
		"  ai-agent-connector:gcp:\n    existingInstanceConnectionName: my-project:us-central1:shared-pg\n"), 0o644)
	outs := filepath.Join(dir, "out.json")
	os.WriteFile(outs, []byte(`{"databaseMode": "create", "url": "https://x"}`), 0o644)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--stack", "s", "--file", file, "--deployed", outs}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "deployed with database.mode create") {
		t.Fatalf("want the mode-change refusal, exit %d: %s", code, errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"--stack", "s", "--file", file}, &out, &errb); code != 0 {
		t.Fatalf("never deployed: exit %d: %s", code, errb.String())
	}
}
