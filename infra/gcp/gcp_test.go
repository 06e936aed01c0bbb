package gcp_test

import (
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/gcp"
	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview/plantest"
)

// TestCommittedStacks checks the plan of each committed GCP stack against its config.
func TestCommittedStacks(t *testing.T) { plantest.EachStack(t, config.CloudGCP, assertGCP) }

// assertGCP checks a GCP plan against the config it came from.
func assertGCP(t *testing.T, cfg *config.Config, plan *preview.Plan) {
	plantest.Only(t, plan, gcp.Type)
	g := cfg.GCP

	fn := plantest.Only(t, plan, "gcp:cloudfunctionsv2/function:Function")
	plantest.Eq(t, "location", fn.String("location"), g.Region)
	plantest.Eq(t, "runtime", fn.String("buildConfig.runtime"), g.Runtime)
	plantest.Eq(t, "entryPoint", fn.String("buildConfig.entryPoint"), "Connector")
	plantest.Eq(t, "availableMemory", fn.String("serviceConfig.availableMemory"), plantest.Itoa(cfg.MemoryMB)+"Mi")
	plantest.Eq(t, "availableCpu", fn.String("serviceConfig.availableCpu"), g.CPU)
	plantest.Eq(t, "minInstanceCount", fn.Number("serviceConfig.minInstanceCount"), float64(cfg.WarmInstances))
	plantest.Eq(t, "maxInstanceCount", fn.Number("serviceConfig.maxInstanceCount"), float64(cfg.MaxInstances))
	plantest.Eq(t, "maxInstanceRequestConcurrency", fn.Number("serviceConfig.maxInstanceRequestConcurrency"), float64(g.Concurrency))
	plantest.Eq(t, "timeoutSeconds", fn.Number("serviceConfig.timeoutSeconds"), float64(cfg.TimeoutSeconds))

	// The source archive: in the private bucket, named by the artifact's hash, so an
	// unchanged function keeps its object and is not rebuilt.
	obj := plantest.Only(t, plan, "gcp:storage/bucketObject:BucketObject")
	plantest.Eq(t, "object name", obj.String("name"), "function-"+plan.Outputs["artifactSha256"].(string)+".zip")
	plantest.Eq(t, "storageSource.object", fn.String("buildConfig.source.storageSource.object"), obj.String("name"))
	bucket := plantest.Only(t, plan, "gcp:storage/bucket:Bucket")
	plantest.Eq(t, "storageSource.bucket", fn.String("buildConfig.source.storageSource.bucket"), obj.String("bucket"))
	plantest.Eq(t, "uniformBucketLevelAccess", bucket.Bool("uniformBucketLevelAccess"), true)
	plantest.Eq(t, "publicAccessPrevention", bucket.String("publicAccessPrevention"), "enforced")

	// Environment per the function's contract: connector + IAM, no host, no password.
	env := func(k string) string { return fn.String("serviceConfig.environmentVariables." + k) }
	var sa policy.Resource
	for _, a := range policy.OfType(plan.Resources, "gcp:serviceaccount/account:Account") {
		if !strings.Contains(a.String("accountId"), "-b-") {
			sa = a
		}
	}
	plantest.Eq(t, "build account", strings.HasSuffix(fn.String("buildConfig.serviceAccount"), "aac-b-"+plan.Stack+"@"+preview.FakeGCPProject+".iam.gserviceaccount.com") || len(plan.Stack) > 20, true)
	plantest.Eq(t, "requireSsl", plantest.Only(t, plan, "gcp:sql/databaseInstance:DatabaseInstance").Bool("settings.ipConfiguration.requireSsl") || cfg.Database.Mode == "existing", true)
	email := plan.Outputs["serviceAccountEmail"].(string)
	plantest.Eq(t, "serviceAccountEmail", fn.String("serviceConfig.serviceAccountEmail"), email)
	iamUser := strings.TrimSuffix(email, ".gserviceaccount.com")
	plantest.Eq(t, "DATABASE_URL", env("DATABASE_URL"), "user="+iamUser+" dbname="+cfg.Database.Name+" sslmode=disable")
	plantest.Eq(t, "CLOUDSQL_INSTANCE", env("CLOUDSQL_INSTANCE"), plan.Outputs["instanceConnectionName"])
	if parts := strings.Split(env("CLOUDSQL_INSTANCE"), ":"); len(parts) != 3 || parts[1] != g.Region {
		t.Errorf("CLOUDSQL_INSTANCE = %q, want project:%s:instance", env("CLOUDSQL_INSTANCE"), g.Region)
	}
	plantest.Eq(t, "POOL_SIZE", env("POOL_SIZE"), plantest.Itoa(cfg.PoolSize))
	if cfg.PoolSize > g.Concurrency {
		t.Errorf("POOL_SIZE %d above concurrency %d", cfg.PoolSize, g.Concurrency)
	}
	plantest.Eq(t, "DB_SCHEMAS", env("DB_SCHEMAS"), strings.Join(cfg.DBSchemas, ","))
	plantest.Eq(t, "COLD_START_WARN_MS", env("COLD_START_WARN_MS"), plantest.Itoa(cfg.ColdStartWarnMs))
	plantest.Eq(t, "QUERY_TIMEOUT_MS", env("QUERY_TIMEOUT_MS"), plantest.Itoa(cfg.QueryTimeoutMs))
	sev, _ := fn.Get("serviceConfig.secretEnvironmentVariables")
	list, _ := sev.([]any)
	if len(list) != 1 || list[0].(map[string]any)["key"] != "API_KEYS" || list[0].(map[string]any)["version"] != "latest" {
		t.Errorf("secretEnvironmentVariables = %v, want API_KEYS from Secret Manager", sev)
	}
	secret := plantest.Only(t, plan, "gcp:secretmanager/secret:Secret")
	plantest.Eq(t, "secret env var secret", list[0].(map[string]any)["secret"], secret.String("secretId"))
	plantest.Eq(t, "api-keys secret versions", len(policy.OfType(plan.Resources, "gcp:secretmanager/secretVersion:SecretVersion")),
		map[bool]int{true: 1, false: 0}[plantest.KeysSet])

	// Least privilege: exactly Cloud SQL client + instance user on the project, and
	// secretAccessor on the one secret.
	var roles, buildRoles []string
	for _, m := range policy.OfType(plan.Resources, "gcp:projects/iAMMember:IAMMember") {
		if m.String("member") == "serviceAccount:"+email {
			roles = append(roles, m.String("role"))
		} else {
			plantest.Eq(t, "build member", "projects/"+preview.FakeGCPProject+"/serviceAccounts/"+strings.TrimPrefix(m.String("member"), "serviceAccount:"), fn.String("buildConfig.serviceAccount"))
			buildRoles = append(buildRoles, m.String("role"))
		}
	}
	plantest.Eq(t, "project roles", strings.Join(roles, ","), "roles/cloudsql.client,roles/cloudsql.instanceUser")
	plantest.Eq(t, "build roles", strings.Join(buildRoles, ","), strings.Join(gcp.BuildRoles, ","))
	plantest.Eq(t, "APIs enabled", len(policy.OfType(plan.Resources, "gcp:projects/service:Service")), len(gcp.RequiredAPIs))
	access := plantest.Only(t, plan, "gcp:secretmanager/secretIamMember:SecretIamMember")
	plantest.Eq(t, "secret role", access.String("role"), "roles/secretmanager.secretAccessor")
	plantest.Eq(t, "secret scope", access.String("secretId"), secret.String("secretId"))
	plantest.Eq(t, "service account id", sa.String("accountId") != "", true)

	// Invokers: exactly the configured members.
	var members []string
	for _, m := range policy.OfType(plan.Resources, "gcp:cloudrunv2/serviceIamMember:ServiceIamMember") {
		plantest.Eq(t, "invoker role", m.String("role"), "roles/run.invoker")
		members = append(members, m.String("member"))
	}
	plantest.Eq(t, "invokers", strings.Join(members, ","), strings.Join(g.Invokers, ","))

	// Cloud SQL: connector-only, IAM auth, backups, deletion protection as configured.
	db := plantest.Only(t, plan, "gcp:sql/databaseInstance:DatabaseInstance")
	plantest.Eq(t, "databaseVersion", db.String("databaseVersion"), "POSTGRES_"+cfg.Database.EngineVersion)
	plantest.Eq(t, "tier", db.String("settings.tier"), g.DBTier)
	plantest.Eq(t, "availabilityType", db.String("settings.availabilityType"), g.DBAvailability)
	plantest.Eq(t, "connectorEnforcement", db.String("settings.connectorEnforcement"), "REQUIRED")
	plantest.Eq(t, "sslMode", db.String("settings.ipConfiguration.sslMode"), "TRUSTED_CLIENT_CERTIFICATE_REQUIRED")
	plantest.Eq(t, "backups", db.Bool("settings.backupConfiguration.enabled"), true)
	plantest.Eq(t, "retainedBackups", db.Number("settings.backupConfiguration.backupRetentionSettings.retainedBackups"), float64(cfg.Database.BackupRetentionDays))
	plantest.Eq(t, "deletionProtection", db.Bool("deletionProtection"), cfg.Database.DeletionProtection)
	plantest.Eq(t, "deletionProtectionEnabled", db.Bool("settings.deletionProtectionEnabled"), cfg.Database.DeletionProtection)
	user := plantest.Only(t, plan, "gcp:sql/user:User")
	plantest.Eq(t, "db user", user.String("name"), iamUser)
	plantest.Eq(t, "db user type", user.String("type"), "CLOUD_IAM_SERVICE_ACCOUNT")
	if _, has := user.Get("password"); has {
		t.Error("IAM database user has a password")
	}
	plantest.Eq(t, "database", plantest.Only(t, plan, "gcp:sql/database:Database").String("name"), cfg.Database.Name)

	lb := plantest.Only(t, plan, "gcp:logging/projectBucketConfig:ProjectBucketConfig")
	plantest.Eq(t, "log retentionDays", lb.Number("retentionDays"), float64(cfg.LogRetentionDays))
	sink := plantest.Only(t, plan, "gcp:logging/projectSink:ProjectSink")
	if !strings.Contains(sink.String("filter"), plan.Outputs["functionName"].(string)) {
		t.Errorf("log sink filter %q does not select the function", sink.String("filter"))
	}
}

// TestGCPStacksDiffer pins what the two committed GCP stacks are for.
func TestGCPStacksDiffer(t *testing.T) {
	root := plantest.Root(t)
	dev, err := config.FromStackFile(root, "gcp-dev", "")
	if err != nil {
		t.Fatal(err)
	}
	prod, err := config.FromStackFile(root, "gcp-prod", "")
	if err != nil {
		t.Fatal(err)
	}
	if dev.WarmInstances != 0 || dev.Database.DeletionProtection {
		t.Errorf("gcp-dev: want no warm instances and no deletion protection; got %d, %v", dev.WarmInstances, dev.Database.DeletionProtection)
	}
	if prod.WarmInstances < 1 || !prod.Database.DeletionProtection || prod.GCP.DBAvailability != "REGIONAL" {
		t.Errorf("gcp-prod: want warm instances, deletion protection, a regional instance; got %d, %v, %s",
			prod.WarmInstances, prod.Database.DeletionProtection, prod.GCP.DBAvailability)
	}
	for _, m := range prod.GCP.Invokers {
		if m == "allUsers" || m == "allAuthenticatedUsers" {
			t.Errorf("gcp-prod invokers include %s", m)
		}
	}
}

// TestGCPVariants runs the program with API keys set and with an existing Cloud SQL
// instance, beyond what the committed stacks cover.
func TestGCPVariants(t *testing.T) {
	for _, tc := range []struct{ name, extra string }{
		{"api keys", "  ai-agent-connector:apiKeys:\n    secure: v1:c2VjcmV0:AAAA\n"},
		{"existing instance", "  ai-agent-connector:database:\n    mode: existing\n    maxConnections: 200\n" +
			"  ai-agent-connector:gcp:\n    existingInstanceConnectionName: my-project:us-central1:shared-pg\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := plantest.WriteStack(t, "config:\n  ai-agent-connector:cloud: gcp\n"+tc.extra)
			root := plantest.Root(t)
			plan, err := preview.Run(preview.Options{Root: root, Stack: "test", StackFile: file})
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.FromStackFile(root, "test", file)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Database.Creates() {
				assertGCP(t, cfg, plan)
				return
			}
			plantest.Eq(t, "created instances", len(policy.OfType(plan.Resources, "gcp:sql/databaseInstance:DatabaseInstance")), 0)
			fn := plantest.Only(t, plan, "gcp:cloudfunctionsv2/function:Function")
			plantest.Eq(t, "CLOUDSQL_INSTANCE", fn.String("serviceConfig.environmentVariables.CLOUDSQL_INSTANCE"), "my-project:us-central1:shared-pg")
			plantest.Eq(t, "iam user instance", plantest.Only(t, plan, "gcp:sql/user:User").String("instance"), "shared-pg")
			// The instance's own project, not the provider's (deploy review minor 5).
			plantest.Eq(t, "iam user project", plantest.Only(t, plan, "gcp:sql/user:User").String("project"), "my-project")
			for _, m := range policy.OfType(plan.Resources, "gcp:projects/iAMMember:IAMMember") {
				if strings.HasPrefix(m.String("role"), "roles/cloudsql.") {
					plantest.Eq(t, m.Name+" project", m.String("project"), "my-project")
				}
			}
		})
	}
}
