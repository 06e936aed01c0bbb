package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

// root is the real project root: the tests use the real Pulumi.yaml declarations.
func root(t *testing.T) string {
	t.Helper()
	r, err := config.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// writeStack writes a small temp stack file: an AWS base plus extra lines.
func writeStack(t *testing.T, base, extra string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "Pulumi.test.yaml")
	if err := os.WriteFile(p, []byte("config:\n"+base+extra), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const awsBase = "  aws:region: us-east-1\n  ai-agent-connector:cloud: aws\n"

// TestInvalidConfig has one row per invalid-config class; each error must name the
// stack file, the key, the value and what is allowed.
func TestInvalidConfig(t *testing.T) {
	tests := []struct {
		name, base, yaml string
		key, value       string   // key without namespace; value as shown
		allowed          []string // fragments of the allowed text
	}{
		{"wrong type", awsBase, "  ai-agent-connector:memoryMB: lots\n", "memoryMB", `"lots"`, []string{"an integer"}},
		{"wrong type in object", awsBase, "  ai-agent-connector:database:\n    storageGB: big\n", "database.storageGB", `"big"`, []string{"an integer"}},
		{"wrong type object expected", awsBase, "  ai-agent-connector:aws: yes\n", "aws", `"yes"`, []string{"an object"}},
		{"memory below Lambda range", awsBase, "  ai-agent-connector:memoryMB: 64\n", "memoryMB", "64", []string{"128 to 10240"}},
		{"memory above Lambda range", awsBase, "  ai-agent-connector:memoryMB: 20480\n", "memoryMB", "20480", []string{"128 to 10240"}},
		{"warm above max", awsBase, "  ai-agent-connector:warmInstances: 6\n  ai-agent-connector:maxInstances: 5\n", "warmInstances", "6", []string{"at most maxInstances (5)"}},
		{"arch lambda cannot run", awsBase, "  ai-agent-connector:arch: s390x\n", "arch", `"s390x"`, []string{"aws runs only arm64, amd64"}},
		{"arch gcp cannot run", "  ai-agent-connector:cloud: gcp\n", "  ai-agent-connector:arch: arm64\n", "arch", `"arm64"`, []string{"gcp runs only amd64"}},
		{"arch azure cannot run", "  ai-agent-connector:cloud: azure\n", "  ai-agent-connector:arch: arm64\n", "arch", `"arm64"`, []string{"azure runs only amd64"}},
		{"unknown key (typo)", awsBase, "  ai-agent-connector:memoryMb: 512\n", "memoryMb", `"512"`, []string{"did you mean ai-agent-connector:memoryMB"}},
		{"unknown key, no near match", awsBase, "  ai-agent-connector:zzz: blue\n", "zzz", `"blue"`, []string{"a key declared in Pulumi.yaml"}},
		{"unknown setting in cloud section", awsBase, "  ai-agent-connector:aws:\n    functionUrlAuht: NONE\n", "aws.functionUrlAuht", `"NONE"`, []string{"did you mean aws.functionUrlAuth"}},
		{"connection budget over RDS Proxy share", awsBase, "  ai-agent-connector:maxInstances: 100\n  ai-agent-connector:poolSize: 1\n", "maxInstances", "100",
			[]string{"100 × 1 = 100", "RDS Proxy's 90 connections", "90% of the database's 101"}},
		{"connection budget over existing database", awsBase,
			"  ai-agent-connector:maxInstances: 20\n  ai-agent-connector:poolSize: 2\n  ai-agent-connector:database:\n    mode: existing\n    maxConnections: 40\n" +
				"  ai-agent-connector:aws:\n    vpcId: vpc-1\n    subnetIds: [subnet-1, subnet-2]\n    existingDbInstanceId: prod-db\n" +
				"    existingDbSecretArn: arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf\n    existingDbSecurityGroupId: sg-1\n",
			"maxInstances", "20", []string{"20 × 2 = 40", "RDS Proxy's 36 connections"}},
		{"plain-text secret", awsBase, "  ai-agent-connector:apiKeys: hunter2\n", "apiKeys", "(plain text, not shown)", []string{"a secret", "pulumi config set --secret apiKeys"}},
		{"cloud missing", "  aws:region: us-east-1\n", "", "cloud", "(not set)", []string{"one of aws, gcp, azure"}},
		{"cloud unknown", "  ai-agent-connector:cloud: heroku\n", "", "cloud", `"heroku"`, []string{"one of aws, gcp, azure"}},
		{"log retention not a CloudWatch period", awsBase, "  ai-agent-connector:logRetentionDays: 10\n", "logRetentionDays", "10", []string{"CloudWatch Logs retention periods"}},
		{"existing database without its identifiers", awsBase, "  ai-agent-connector:database:\n    mode: existing\n    maxConnections: 100\n", "aws.existingDbInstanceId", "(not set)", []string{"required with database.mode existing"}},
		{"function url auth", awsBase, "  ai-agent-connector:aws:\n    functionUrlAuth: OPEN\n", "aws.functionUrlAuth", `"OPEN"`, []string{"NONE", "AWS_IAM"}},
	}
	r := root(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := writeStack(t, tc.base, tc.yaml)
			_, err := config.FromStackFile(r, "test", file)
			if err == nil {
				t.Fatal("want an error, got a config")
			}
			var inv *config.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("want *config.InvalidError, got %T: %v", err, err)
			}
			var p *config.Problem
			for i := range inv.Problems {
				if inv.Problems[i].Key == tc.key {
					p = &inv.Problems[i]
				}
			}
			if p == nil {
				t.Fatalf("no problem for key %s in:\n%v", tc.key, err)
			}
			msg := p.Error()
			for _, want := range append([]string{file, "ai-agent-connector:" + tc.key, tc.value}, tc.allowed...) {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error leaks the plain-text secret: %v", err)
			}
		})
	}
}

// TestSecretStaysOpaque: a secure value is passed through as ciphertext, marked
// secret and never printed (no passphrase exists offline, nothing is decrypted).
func TestSecretStaysOpaque(t *testing.T) {
	file := writeStack(t, awsBase, "  ai-agent-connector:apiKeys:\n    secure: v1:c2FsdA==:Y2lwaGVydGV4dA==\n")
	c, err := config.FromStackFile(root(t), "test", file)
	if err != nil {
		t.Fatal(err)
	}
	if !c.APIKeys.IsSet() {
		t.Fatal("apiKeys not set")
	}
	for _, s := range []string{c.APIKeys.String(), strings.ReplaceAll(strings.ReplaceAll(fmtAll(c), "\n", ""), " ", "")} {
		if strings.Contains(s, "Y2lwaGVydGV4dA") {
			t.Errorf("secret printed: %s", s)
		}
	}
}

func fmtAll(c *config.Config) string { return strings.Join([]string{sprint(c), gosprint(c)}, "|") }

// TestDefaults: keys left out get Pulumi.yaml defaults and per-cloud defaults.
func TestDefaults(t *testing.T) {
	c, err := config.FromStackFile(root(t), "test", writeStack(t, awsBase, ""))
	if err != nil {
		t.Fatal(err)
	}
	got := []any{c.Arch, c.MemoryMB, c.PoolSize, c.TimeoutSeconds, c.MaxInstances, c.WarmInstances, c.LogRetentionDays, c.Database.Mode, c.AWS.FunctionURLAuth, c.Database.MaxConnections}
	want := []any{"arm64", 512, 1, 30, 10, 0, 14, "create", "NONE", 101}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("default %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

// TestProblemsAreAllReported: several mistakes come back in one error, sorted by key.
func TestProblemsAreAllReported(t *testing.T) {
	_, err := config.FromStackFile(root(t), "test", writeStack(t, awsBase,
		"  ai-agent-connector:memoryMB: 64\n  ai-agent-connector:warmInstances: 20\n  ai-agent-connector:timeoutSeconds: 901\n"+
			"  ai-agent-connector:timeoutSecs: 30\n  ai-agent-connector:apiKeys: k\n  ai-agent-connector:aws:\n    multiAZ: true\n"))
	var inv *config.InvalidError
	if !errors.As(err, &inv) || len(inv.Problems) != 6 {
		t.Fatalf("want 6 problems (a typo or a plain secret must not hide range problems), got %v", err)
	}
	if !strings.HasPrefix(err.Error(), "invalid config (6 problems):") {
		t.Errorf("message: %v", err)
	}
}
