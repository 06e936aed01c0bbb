package policy_test

import (
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
)

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
	noDeps := func(typ string) func(t *testing.T, rs []policy.Resource) []policy.Resource {
		return func(t *testing.T, rs []policy.Resource) []policy.Resource {
			rs[idxOf(t, rs, typ)].DependsOn = nil
			return rs
		}
	}
	rows := []row{
		// The old second statement: InvokeFunction with FunctionUrlAuthType.
		{stack: "aws-dev", check: "aws-function-url-permissions", msg: "only accepted with lambda:InvokeFunctionUrl",
			add: []policy.Resource{res("aws:lambda/permission:Permission", "url-invoke-old", map[string]any{
				"action": "lambda:InvokeFunction", "principal": "*", "functionUrlAuthType": "NONE", "qualifier": "live",
			})}},
		{stack: "aws-prod", check: "aws-function-url-permissions", msg: "is not created after its permission", mutate: noDeps(urlType)},
		// The plan before the provisioner (no invocation), and a connector function that
		// does not wait for it.
		{stack: "aws-dev", check: "aws-role-provisioner", msg: "no aws.lambda.Invocation of a role provisioner", drop: "aws:lambda/invocation:Invocation"},
		{stack: "aws-prod", check: "aws-role-provisioner", msg: "would serve before its database role exists", mutate: func(t *testing.T, rs []policy.Resource) []policy.Resource {
			for i := range rs {
				if rs[i].Type == "aws:lambda/function:Function" && rs[i].String("environment.variables.DATABASE_URL") != "" {
					rs[i].DependsOn = nil
				}
			}
			return rs
		}},
		{stack: "gcp-dev", check: "gcp-sql-ssl-pair", msg: "needs requireSsl true", typ: sqlInstance,
			edits: map[string]any{"settings.ipConfiguration.requireSsl": nil}},
		{stack: "gcp-prod", check: "gcp-project-setup", msg: "does not enable sqladmin.googleapis.com", mutate: func(t *testing.T, rs []policy.Resource) []policy.Resource {
			var out []policy.Resource
			for _, r := range rs {
				if r.Type == "gcp:projects/service:Service" && r.String("service") == "sqladmin.googleapis.com" {
					continue
				}
				out = append(out, r)
			}
			return out
		}},
		{stack: "gcp-dev", check: "gcp-project-setup", msg: "is not created after the API", mutate: noDeps(sqlInstance)},
		{stack: "gcp-dev", check: "gcp-project-setup", msg: "buildConfig.serviceAccount must name", typ: gcpFn,
			edits: map[string]any{"buildConfig.serviceAccount": nil}},
		{stack: "gcp-dev", check: "gcp-backup-retention", msg: "below transactionLogRetentionDays", typ: sqlInstance, edits: map[string]any{
			"settings.backupConfiguration.transactionLogRetentionDays":             nil,
			"settings.backupConfiguration.backupRetentionSettings.retainedBackups": 1.0,
		}},
		{stack: "gcp-dev", check: "gcp-source-kept", msg: "live source archive", typ: "gcp:storage/bucket:Bucket",
			edits: map[string]any{"lifecycleRules": []any{map[string]any{"action": map[string]any{"type": "Delete"}, "condition": map[string]any{"age": 30.0}}}}},
		{stack: "gcp-prod", check: "gcp-secret-has-version", msg: "gives no version", drop: "gcp:secretmanager/secretVersion:SecretVersion"},
		{stack: "azure-dev", check: "azure-identity-before-app", msg: "system-assigned identity exists only with the app", typ: flexApp,
			edits: map[string]any{"identity": map[string]any{"type": "SystemAssigned"}}},
		{stack: "azure-prod", check: "azure-identity-before-app", msg: "is not created after role assignment", mutate: noDeps(premiumApp)},
		{stack: "azure-prod", check: "azure-no-shared-key-upload", msg: "uploads with the account key",
			add: []policy.Resource{res("azure-native:storage:Blob", "package", map[string]any{"blobName": "function-x.zip"})}},
		{stack: "azure-dev", check: "azure-flex-scale", msg: "accepts 40-1000", typ: flexApp,
			edits: map[string]any{"functionAppConfig.scaleAndConcurrency.maximumInstanceCount": 10.0}},
		{stack: "azure-prod", check: "azure-pg-api-version", msg: "2022-12-01", mutate: func(t *testing.T, rs []policy.Resource) []policy.Resource {
			rs[idxOf(t, rs, server)].Type = "azure-native:dbforpostgresql:Server"
			return rs
		}},
	}
	for _, r := range rows {
		t.Run(r.stack+"/"+r.check+"/"+r.msg, func(t *testing.T) {
			rs := realPlan(t, r.stack)
			for _, v := range policy.Evaluate(rs) {
				t.Errorf("committed stack violates: %v", v)
			}
			r.run(t, rs)
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
