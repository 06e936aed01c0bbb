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

// set writes a dotted path (creating maps); value nil deletes the leaf.
func set(m map[string]any, path string, value any) {
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	if value == nil {
		delete(m, keys[len(keys)-1])
		return
	}
	m[keys[len(keys)-1]] = value
}

// first returns the first resource of a type (fails if none).
func first(t *testing.T, rs []policy.Resource, typ string) policy.Resource {
	t.Helper()
	for _, r := range rs {
		if r.Type == typ {
			return r
		}
	}
	t.Fatalf("plan has no %s", typ)
	return policy.Resource{}
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
	tests := []struct {
		stack, check, msg string
		mutate            func(t *testing.T, rs []policy.Resource) []policy.Resource
	}{
		{"gcp-dev", "gcp-encryption-and-backups", "backupConfiguration.enabled", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "gcp:sql/databaseInstance:DatabaseInstance").Inputs, "settings.backupConfiguration.enabled", false)
			return rs
		}},
		{"gcp-dev", "gcp-encryption-and-backups", "publicAccessPrevention", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "gcp:storage/bucket:Bucket").Inputs, "publicAccessPrevention", "inherited")
			return rs
		}},
		{"gcp-dev", "gcp-no-public-database", "authorizedNetworks", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "gcp:sql/databaseInstance:DatabaseInstance").Inputs, "settings.ipConfiguration.authorizedNetworks",
				[]any{map[string]any{"value": "0.0.0.0/0"}})
			return rs
		}},
		{"gcp-dev", "gcp-no-public-database", "connectorEnforcement", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "gcp:sql/databaseInstance:DatabaseInstance").Inputs, "settings.connectorEnforcement", "NOT_REQUIRED")
			return rs
		}},
		{"gcp-prod", "gcp-tls-to-database", "sslMode", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "gcp:sql/databaseInstance:DatabaseInstance").Inputs, "settings.ipConfiguration.sslMode", "ALLOW_UNENCRYPTED_AND_ENCRYPTED")
			set(first(t, rs, "gcp:sql/databaseInstance:DatabaseInstance").Inputs, "settings.ipConfiguration.requireSsl", false)
			return rs
		}},
		{"gcp-prod", "gcp-tls-to-database", "cloudsql.iam_authentication", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "gcp:sql/databaseInstance:DatabaseInstance").Inputs, "settings.databaseFlags", []any{})
			return rs
		}},
		{"gcp-prod", "gcp-tls-to-database", "password", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "gcp:cloudfunctionsv2/function:Function").Inputs, "serviceConfig.environmentVariables.DATABASE_URL", "user=u password=p dbname=d")
			return rs
		}},
		{"gcp-dev", "gcp-least-privilege-iam", "roles/editor", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "gcp:projects/iAMMember:IAMMember").Inputs, "role", "roles/editor")
			return rs
		}},
		{"gcp-dev", "gcp-least-privilege-iam", "serviceAccountEmail", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "gcp:cloudfunctionsv2/function:Function").Inputs, "serviceConfig.serviceAccountEmail", nil)
			return rs
		}},
		{"gcp-dev", "gcp-secrets-in-secret-manager", "plain environment variable", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "gcp:cloudfunctionsv2/function:Function").Inputs, "serviceConfig.environmentVariables.API_KEYS", "k1")
			return rs
		}},
		{"gcp-dev", "gcp-log-retention", "log bucket", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			var out []policy.Resource
			for _, r := range rs {
				if r.Type != "gcp:logging/projectSink:ProjectSink" {
					out = append(out, r)
				}
			}
			return out
		}},
		{"azure-dev", "azure-encryption-at-rest", "allowBlobPublicAccess", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "azure-native:storage:StorageAccount").Inputs, "allowBlobPublicAccess", true)
			return rs
		}},
		{"azure-dev", "azure-encryption-at-rest", "minimumTlsVersion", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "azure-native:storage:StorageAccount").Inputs, "minimumTlsVersion", "TLS1_0")
			return rs
		}},
		{"azure-dev", "azure-no-public-database", "delegatedSubnetResourceId", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "azure-native:dbforpostgresql/v20240801:Server").Inputs, "network", nil)
			return rs
		}},
		{"azure-dev", "azure-no-public-database", "firewall", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			return append(rs, policy.Resource{Type: "azure-native:dbforpostgresql:FirewallRule", Name: "all",
				Inputs: map[string]any{"startIpAddress": "0.0.0.0", "endIpAddress": "255.255.255.255"}})
		}},
		{"azure-prod", "azure-tls-to-database", "require_secure_transport", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			for _, r := range rs {
				if r.Type == "azure-native:dbforpostgresql:Configuration" && r.Inputs["configurationName"] == "require_secure_transport" {
					r.Inputs["value"] = "off"
				}
			}
			return rs
		}},
		{"azure-prod", "azure-tls-to-database", "sslmode", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			setAppSetting(rs, "DATABASE_URL", "host=h port=6432 dbname=d user=u sslmode=disable")
			return rs
		}},
		{"azure-prod", "azure-secrets-via-key-vault", "DATABASE_PASSWORD", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			setAppSetting(rs, "DATABASE_PASSWORD", "hunter2")
			return rs
		}},
		{"azure-prod", "azure-least-privilege", "not allowed", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "azure-native:authorization:RoleAssignment").Inputs, "roleDefinitionId",
				"/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635") // Owner
			return rs
		}},
		{"azure-prod", "azure-least-privilege", "one resource", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "azure-native:authorization:RoleAssignment").Inputs, "scope", "/subscriptions/s/resourceGroups/rg")
			return rs
		}},
		{"azure-dev", "azure-logs", "workspace-based", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "azure-native:insights:Component").Inputs, "workspaceResourceId", nil)
			return rs
		}},
		{"azure-dev", "azure-https-only", "httpsOnly", func(t *testing.T, rs []policy.Resource) []policy.Resource {
			set(first(t, rs, "azure-native:web/v20231201:WebApp").Inputs, "httpsOnly", false)
			return rs
		}},
	}
	for _, stack := range []string{"gcp-dev", "gcp-prod", "azure-dev", "azure-prod"} {
		if vs := policy.Evaluate(realPlan(t, stack)); len(vs) != 0 {
			t.Fatalf("%s: violations on the committed stack: %v", stack, vs)
		}
	}
	for _, tt := range tests {
		t.Run(tt.check+"/"+tt.msg, func(t *testing.T) {
			vs := policy.Evaluate(tt.mutate(t, realPlan(t, tt.stack)))
			for _, v := range vs {
				if v.Check == tt.check && strings.Contains(v.Message, tt.msg) {
					return
				}
			}
			t.Fatalf("want a %s violation mentioning %q, got %v", tt.check, tt.msg, vs)
		})
	}
}
