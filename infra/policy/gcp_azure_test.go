package policy_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview"
)

var (
	plansMu sync.Mutex
	plans   = map[string][]policy.Resource{}
)

// realPlan is the resource list the committed stack would create (under mocks),
// so each check is tested against what the components really declare.
func realPlan(t *testing.T, stack string) []policy.Resource {
	t.Helper()
	plansMu.Lock()
	defer plansMu.Unlock()
	if rs, ok := plans[stack]; ok {
		return clone(rs)
	}
	root, err := config.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := preview.Run(preview.Options{Root: root, Stack: stack})
	if err != nil {
		t.Fatalf("preview %s: %v", stack, err)
	}
	plans[stack] = plan.Resources
	return clone(plan.Resources)
}

func clone(rs []policy.Resource) []policy.Resource {
	out := make([]policy.Resource, len(rs))
	for i, r := range rs {
		r.Inputs = cloneValue(r.Inputs).(map[string]any)
		out[i] = r
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = cloneValue(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = cloneValue(e)
		}
		return l
	}
	return v
}

// setAppSetting replaces an app setting's value on every web app.
func setAppSetting(rs []policy.Resource, name, value string) {
	for _, r := range rs {
		if !strings.HasPrefix(r.Type, "azure-native:web") || !strings.HasSuffix(r.Type, ":WebApp") {
			continue
		}
		list, _ := r.Inputs["siteConfig"].(map[string]any)["appSettings"].([]any)
		for _, x := range list {
			if m := x.(map[string]any); m["name"] == name {
				m["value"] = value
			}
		}
	}
}

func TestGCPAndAzureStacksPassAndEachCheckCatchesItsViolation(t *testing.T) {
	const (
		sqlInstance = "gcp:sql/databaseInstance:DatabaseInstance"
		bucket      = "gcp:storage/bucket:Bucket"
		gcpFn       = "gcp:cloudfunctionsv2/function:Function"
		storage     = "azure-native:storage:StorageAccount"
		roleAssign  = "azure-native:authorization:RoleAssignment"
	)
	appSetting := func(name, value string) func(t *testing.T, rs []policy.Resource) []policy.Resource {
		return func(t *testing.T, rs []policy.Resource) []policy.Resource { setAppSetting(rs, name, value); return rs }
	}
	rows := []row{
		{stack: "gcp-dev", check: "gcp-encryption-and-backups", msg: "backupConfiguration.enabled", typ: sqlInstance,
			edits: map[string]any{"settings.backupConfiguration.enabled": false}},
		{stack: "gcp-dev", check: "gcp-encryption-and-backups", msg: "publicAccessPrevention", typ: bucket,
			edits: map[string]any{"publicAccessPrevention": "inherited"}},
		{stack: "gcp-dev", check: "gcp-no-public-database", msg: "authorizedNetworks", typ: sqlInstance,
			edits: map[string]any{"settings.ipConfiguration.authorizedNetworks": []any{map[string]any{"value": "0.0.0.0/0"}}}},
		{stack: "gcp-dev", check: "gcp-no-public-database", msg: "connectorEnforcement", typ: sqlInstance,
			edits: map[string]any{"settings.connectorEnforcement": "NOT_REQUIRED"}},
		{stack: "gcp-prod", check: "gcp-tls-to-database", msg: "sslMode", typ: sqlInstance,
			edits: map[string]any{"settings.ipConfiguration.sslMode": "ALLOW_UNENCRYPTED_AND_ENCRYPTED", "settings.ipConfiguration.requireSsl": false}},
		{stack: "gcp-prod", check: "gcp-tls-to-database", msg: "cloudsql.iam_authentication", typ: sqlInstance,
			edits: map[string]any{"settings.databaseFlags": []any{}}},
		{stack: "gcp-prod", check: "gcp-tls-to-database", msg: "password", typ: gcpFn,
			edits: map[string]any{"serviceConfig.environmentVariables.DATABASE_URL": "user=u password=p dbname=d"}},
		{stack: "gcp-dev", check: "gcp-least-privilege-iam", msg: "roles/editor", typ: "gcp:projects/iAMMember:IAMMember",
			edits: map[string]any{"role": "roles/editor"}},
		{stack: "gcp-dev", check: "gcp-least-privilege-iam", msg: "serviceAccountEmail", typ: gcpFn,
			edits: map[string]any{"serviceConfig.serviceAccountEmail": nil}},
		{stack: "gcp-dev", check: "gcp-secrets-in-secret-manager", msg: "plain environment variable", typ: gcpFn,
			edits: map[string]any{"serviceConfig.environmentVariables.API_KEYS": "k1"}},
		{stack: "gcp-dev", check: "gcp-log-retention", msg: "log bucket", drop: "gcp:logging/projectSink:ProjectSink"},
		{stack: "azure-dev", check: "azure-encryption-at-rest", msg: "allowBlobPublicAccess", typ: storage,
			edits: map[string]any{"allowBlobPublicAccess": true}},
		{stack: "azure-dev", check: "azure-encryption-at-rest", msg: "minimumTlsVersion", typ: storage,
			edits: map[string]any{"minimumTlsVersion": "TLS1_0"}},
		{stack: "azure-dev", check: "azure-no-public-database", msg: "delegatedSubnetResourceId", typ: "azure-native:dbforpostgresql/v20240801:Server",
			edits: map[string]any{"network": nil}},
		{stack: "azure-dev", check: "azure-no-public-database", msg: "firewall", add: []policy.Resource{{Type: "azure-native:dbforpostgresql:FirewallRule", Name: "all",
			Inputs: map[string]any{"startIpAddress": "0.0.0.0", "endIpAddress": "255.255.255.255"}}}},
		{stack: "azure-prod", check: "azure-tls-to-database", msg: "require_secure_transport", mutate: func(t *testing.T, rs []policy.Resource) []policy.Resource {
			for _, r := range rs {
				if r.Type == "azure-native:dbforpostgresql:Configuration" && r.Inputs["configurationName"] == "require_secure_transport" {
					r.Inputs["value"] = "off"
				}
			}
			return rs
		}},
		{stack: "azure-prod", check: "azure-tls-to-database", msg: "sslmode", mutate: appSetting("DATABASE_URL", "host=h port=6432 dbname=d user=u sslmode=disable")},
		{stack: "azure-prod", check: "azure-secrets-via-key-vault", msg: "DATABASE_PASSWORD", mutate: appSetting("DATABASE_PASSWORD", "hunter2")},
		{stack: "azure-prod", check: "azure-least-privilege", msg: "not allowed", typ: roleAssign,
			edits: map[string]any{"roleDefinitionId": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"}}, // Owner
		{stack: "azure-prod", check: "azure-least-privilege", msg: "one resource", typ: roleAssign,
			edits: map[string]any{"scope": "/subscriptions/s/resourceGroups/rg"}},
		{stack: "azure-dev", check: "azure-logs", msg: "workspace-based", typ: "azure-native:insights:Component",
			edits: map[string]any{"workspaceResourceId": nil}},
		{stack: "azure-dev", check: "azure-https-only", msg: "httpsOnly", typ: "azure-native:web/v20231201:WebApp",
			edits: map[string]any{"httpsOnly": false}},
	}
	for _, stack := range []string{"gcp-dev", "gcp-prod", "azure-dev", "azure-prod"} {
		if vs := policy.Evaluate(realPlan(t, stack)); len(vs) != 0 {
			t.Fatalf("%s: violations on the committed stack: %v", stack, vs)
		}
	}
	for _, r := range rows {
		t.Run(r.String(), func(t *testing.T) { r.run(t, realPlan(t, r.stack)) })
	}
}
