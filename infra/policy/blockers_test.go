package policy_test

import (
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
)

// first returns the index of the first resource of typ.
func idxOf(t *testing.T, rs []policy.Resource, typ string) int {
	t.Helper()
	for i, r := range rs {
		if r.Type == typ {
			return i
		}
	}
	t.Fatalf("no %s in the plan", typ)
	return -1
}

// TestBlockerRulesOnRealPlans: each rule a cloud API enforces (and the mocks cannot
// see) passes on the committed stacks and fails when the plan is put back the way
// the code was before the fix.
func TestBlockerRulesOnRealPlans(t *testing.T) {
	const (
		sqlInstance = "gcp:sql/databaseInstance:DatabaseInstance"
		gcpFn       = "gcp:cloudfunctionsv2/function:Function"
		flexApp     = "azure-native:web/v20231201:WebApp"
		premiumApp  = "azure-native:web:WebApp"
		server      = "azure-native:dbforpostgresql/v20240801:Server"
		urlType     = "aws:lambda/functionUrl:FunctionUrl"
	)
	tests := []struct {
		stack, check, msg string
		mutate            func(t *testing.T, rs []policy.Resource) []policy.Resource
	}{
		{"aws-dev", "aws-function-url-permissions", "only accepted with lambda:InvokeFunctionUrl", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			// The old second statement: InvokeFunction with FunctionUrlAuthType.
			return append(rs, res("aws:lambda/permission:Permission", "url-invoke-old", map[string]any{
				"action": "lambda:InvokeFunction", "principal": "*", "functionUrlAuthType": "NONE", "qualifier": "live",
			}))
		}},
		{"aws-prod", "aws-function-url-permissions", "is not created after its permission", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			rs[idxOf(t, rs, urlType)].DependsOn = nil
			return rs
		}},
		{"gcp-dev", "gcp-sql-ssl-pair", "needs requireSsl true", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			ip := rs[idxOf(t, rs, sqlInstance)].Inputs["settings"].(map[string]any)["ipConfiguration"].(map[string]any)
			delete(ip, "requireSsl")
			return rs
		}},
		{"gcp-prod", "gcp-project-setup", "does not enable sqladmin.googleapis.com", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			var out []policy.Resource
			for _, r := range rs {
				if r.Type == "gcp:projects/service:Service" && r.String("service") == "sqladmin.googleapis.com" {
					continue
				}
				out = append(out, r)
			}
			return out
		}},
		{"gcp-dev", "gcp-project-setup", "is not created after the API", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			rs[idxOf(t, rs, sqlInstance)].DependsOn = nil
			return rs
		}},
		{"gcp-dev", "gcp-project-setup", "buildConfig.serviceAccount must name", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			delete(rs[idxOf(t, rs, gcpFn)].Inputs["buildConfig"].(map[string]any), "serviceAccount")
			return rs
		}},
		{"gcp-dev", "gcp-backup-retention", "below transactionLogRetentionDays", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			b := rs[idxOf(t, rs, sqlInstance)].Inputs["settings"].(map[string]any)["backupConfiguration"].(map[string]any)
			delete(b, "transactionLogRetentionDays")
			b["backupRetentionSettings"].(map[string]any)["retainedBackups"] = 1.0
			return rs
		}},
		{"gcp-dev", "gcp-source-kept", "live source archive", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			rs[idxOf(t, rs, "gcp:storage/bucket:Bucket")].Inputs["lifecycleRules"] = []any{map[string]any{
				"action": map[string]any{"type": "Delete"}, "condition": map[string]any{"age": 30.0},
			}}
			return rs
		}},
		{"gcp-prod", "gcp-secret-has-version", "gives no version", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			var out []policy.Resource
			for _, r := range rs {
				if r.Type != "gcp:secretmanager/secretVersion:SecretVersion" {
					out = append(out, r)
				}
			}
			return out
		}},
		{"azure-dev", "azure-identity-before-app", "system-assigned identity exists only with the app", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			rs[idxOf(t, rs, flexApp)].Inputs["identity"] = map[string]any{"type": "SystemAssigned"}
			return rs
		}},
		{"azure-prod", "azure-identity-before-app", "is not created after role assignment", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			rs[idxOf(t, rs, premiumApp)].DependsOn = nil
			return rs
		}},
		{"azure-prod", "azure-no-shared-key-upload", "uploads with the account key", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			return append(rs, res("azure-native:storage:Blob", "package", map[string]any{"blobName": "function-x.zip"}))
		}},
		{"azure-dev", "azure-flex-scale", "accepts 40-1000", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			fac := rs[idxOf(t, rs, flexApp)].Inputs["functionAppConfig"].(map[string]any)
			fac["scaleAndConcurrency"].(map[string]any)["maximumInstanceCount"] = 10.0
			return rs
		}},
		{"azure-prod", "azure-pg-api-version", "2022-12-01", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			rs[idxOf(t, rs, server)].Type = "azure-native:dbforpostgresql:Server"
			return rs
		}},
	}
	for _, tt := range tests {
		t.Run(tt.stack+"/"+tt.check, func(t *testing.T) {
			rs := realPlan(t, tt.stack)
			for _, v := range policy.Evaluate(rs) {
				t.Errorf("committed stack violates: %v", v)
			}
			for _, v := range policy.Evaluate(tt.mutate(t, rs)) {
				if v.Check == tt.check && strings.Contains(v.Message, tt.msg) {
					return
				}
			}
			t.Fatalf("want %s %q after the mutation", tt.check, tt.msg)
		})
	}
}

// TestFunctionNotAdminOnAWS: the old plan (master user = database.user, proxy on the
// master secret) fails; the committed stacks pass (TestBlockerRulesOnRealPlans).
func TestFunctionNotAdminOnAWS(t *testing.T) {
	rs := realPlan(t, "aws-dev")
	i := idxOf(t, rs, "aws:rds/instance:Instance")
	rs[i].Inputs["username"] = "connector"
	p := idxOf(t, rs, "aws:rds/proxy:Proxy")
	rs[p].Inputs["auths"].([]any)[0].(map[string]any)["secretArn"] = "arn:aws:secretsmanager:us-east-1:1:secret:rds!db-x"
	var msgs []string
	for _, v := range policy.Evaluate(rs) {
		if v.Check == "aws-function-not-admin" {
			msgs = append(msgs, v.Message)
		}
	}
	if len(msgs) != 2 || !strings.Contains(strings.Join(msgs, "|"), "master user connector") {
		t.Fatalf("want the master-user and master-secret violations, got %v", msgs)
	}
}
