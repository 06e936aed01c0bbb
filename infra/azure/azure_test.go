package azure_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/azure"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview/plantest"
	"github.com/ai-agent-connector/ai-agent-connector/internal/azurenative"
)

// The shared plan-test helpers, under the names these tests use.
var (
	only        = plantest.Only
	eq          = plantest.Eq
	itoa        = plantest.Itoa
	writeStack  = plantest.WriteStack
	projectRoot = plantest.Root
)

const keysSet = plantest.KeysSet

// TestCommittedStacks checks the plan of each committed Azure stack against its config.
func TestCommittedStacks(t *testing.T) {
	for _, name := range plantest.Stacks(t, config.CloudAzure) {
		t.Run(name, func(t *testing.T) {
			cfg, plan := plantest.Plan(t, name)
			assertAzure(t, cfg, plan)
		})
	}
}

func appSettings(app policy.Resource) map[string]string {
	return plantest.NameValues(app, "siteConfig.appSettings")
}

// assertAzure checks an Azure plan against the config it came from.
func assertAzure(t *testing.T, cfg *config.Config, plan *preview.Plan) {
	only(t, plan, azure.Type)
	a := cfg.Azure
	flex := a.Plan == config.AzurePlanFlex

	planType, appType := azurenative.AppServicePlanType, azurenative.WebAppType
	if flex {
		planType, appType = azurenative.AppServicePlanV20231201Type, azurenative.WebAppV20231201Type
	}
	asp := only(t, plan, planType)
	app := only(t, plan, appType)
	skuName, skuTier := a.AzurePlanSku()
	eq(t, "plan sku", asp.String("sku.name"), skuName)
	eq(t, "plan tier", asp.String("sku.tier"), skuTier)
	eq(t, "plan linux", asp.Bool("reserved"), true)
	eq(t, "app kind", app.String("kind"), "functionapp,linux")
	eq(t, "httpsOnly", app.Bool("httpsOnly"), true)
	// A user-assigned identity, granted before the app exists (deploy review B4).
	eq(t, "identity", app.String("identity.type"), "UserAssigned")
	only(t, plan, azurenative.UserAssignedIdentityType)
	eq(t, "keyVaultReferenceIdentity", app.String("keyVaultReferenceIdentity") != "", true)
	for _, ra := range policy.OfType(plan.Resources, "azure-native:authorization:RoleAssignment") {
		if ra.Name != "ai-agent-connector-deployer-blob" {
			eq(t, "app waits for "+ra.Name, app.Needs(ra.Name), true)
		}
	}
	eq(t, "serverFarmId", app.String("serverFarmId") != "", true)
	eq(t, "vnet integration", app.String("virtualNetworkSubnetId") != "", true)

	st := appSettings(app)
	switch a.Plan {
	case config.AzurePlanFlex:
		eq(t, "runtime", app.String("functionAppConfig.runtime.name"), "custom")
		eq(t, "instanceMemoryMB", app.Number("functionAppConfig.scaleAndConcurrency.instanceMemoryMB"), float64(cfg.MemoryMB))
		eq(t, "maximumInstanceCount", app.Number("functionAppConfig.scaleAndConcurrency.maximumInstanceCount"), float64(cfg.MaxInstances))
		ready, _ := app.Get("functionAppConfig.scaleAndConcurrency.alwaysReady")
		list, _ := ready.([]any)
		if cfg.WarmInstances == 0 {
			eq(t, "alwaysReady entries", len(list), 0)
		} else if len(list) != 1 || list[0].(map[string]any)["instanceCount"] != float64(cfg.WarmInstances) {
			t.Errorf("alwaysReady = %v, want http: %d", ready, cfg.WarmInstances)
		}
		eq(t, "deployment storage", app.String("functionAppConfig.deployment.storage.type"), "blobContainer")
		eq(t, "deployment auth", app.String("functionAppConfig.deployment.storage.authentication.type"), "UserAssignedIdentity")
		if _, set := st["FUNCTIONS_WORKER_RUNTIME"]; set {
			t.Error("flex app sets FUNCTIONS_WORKER_RUNTIME, which Flex Consumption rejects")
		}
		if _, set := app.Get("siteConfig.alwaysOn"); set {
			t.Error("flex app sets alwaysOn")
		}
	case config.AzurePlanPremium:
		eq(t, "plan kind", asp.String("kind"), "elastic")
		eq(t, "maximumElasticWorkerCount", asp.Number("maximumElasticWorkerCount"), float64(cfg.MaxInstances))
		eq(t, "minimumElasticInstanceCount", app.Number("siteConfig.minimumElasticInstanceCount"), float64(cfg.WarmInstances))
		eq(t, "preWarmedInstanceCount", app.Number("siteConfig.preWarmedInstanceCount"), 1.0)
		if _, set := app.Get("siteConfig.alwaysOn"); set {
			t.Error("premium app sets alwaysOn")
		}
	case config.AzurePlanDedicated:
		eq(t, "alwaysOn", app.Bool("siteConfig.alwaysOn"), a.AlwaysOnEnabled())
		eq(t, "plan capacity", asp.Number("sku.capacity"), float64(max(1, cfg.WarmInstances)))
	}
	if !flex {
		eq(t, "FUNCTIONS_WORKER_RUNTIME", st["FUNCTIONS_WORKER_RUNTIME"], "custom")
		if !strings.HasSuffix(st["WEBSITE_RUN_FROM_PACKAGE"], "/function-"+plan.Outputs["artifactSha256"].(string)+".zip") {
			t.Errorf("WEBSITE_RUN_FROM_PACKAGE = %q, want the package blob named by its hash", st["WEBSITE_RUN_FROM_PACKAGE"])
		}
	}
	// No azure-native Blob (it writes with the account key, which the account
	// refuses); the deploy command publishes with Entra auth instead.
	eq(t, "package blobs", len(policy.OfType(plan.Resources, "azure-native:storage:Blob")), 0)
	cmd := plan.Outputs["deployCommand"].(string)
	if flex {
		eq(t, "flex publishes with OneDeploy", strings.HasPrefix(cmd, "az functionapp deployment source config-zip "), true)
	} else {
		eq(t, "upload with Entra auth", strings.Contains(cmd, "az storage blob upload --auth-mode login ") && strings.Contains(cmd, "--name function-"+plan.Outputs["artifactSha256"].(string)+".zip"), true)
	}
	eq(t, "home page off", st["AzureWebJobsDisableHomepage"], "true")

	// Environment per the function's contract: PgBouncer port, no password in the
	// URL, the password and keys as Key Vault references.
	server := only(t, plan, azurenative.ServerV20240801Type)
	host := plan.Outputs["databaseHost"].(string)
	eq(t, "DATABASE_URL", st["DATABASE_URL"], "host="+host+" port=6432 dbname="+cfg.Database.Name+" user="+cfg.Database.User+" sslmode=verify-full")
	if !strings.HasPrefix(st["DATABASE_PASSWORD"], "@Microsoft.KeyVault(SecretUri=https://") || !strings.HasSuffix(st["DATABASE_PASSWORD"], "/secrets/db-password)") {
		t.Errorf("DATABASE_PASSWORD = %q, want a Key Vault reference to db-password", st["DATABASE_PASSWORD"])
	}
	if k, set := st["API_KEYS"]; set != keysSet || (set && !strings.HasSuffix(k, "/secrets/api-keys)")) {
		t.Errorf("API_KEYS = %q, want a Key Vault reference exactly when apiKeys is set (%v)", k, keysSet)
	}
	eq(t, "POOL_SIZE", st["POOL_SIZE"], itoa(cfg.PoolSize))
	eq(t, "DB_SCHEMAS", st["DB_SCHEMAS"], strings.Join(cfg.DBSchemas, ","))
	eq(t, "COLD_START_WARN_MS", st["COLD_START_WARN_MS"], itoa(cfg.ColdStartWarnMs))
	only(t, plan, "azure-native:storage:StorageAccount")
	eq(t, "AzureWebJobsStorage__accountName set", st["AzureWebJobsStorage__accountName"] != "", true)
	if !strings.HasPrefix(st["APPLICATIONINSIGHTS_CONNECTION_STRING"], "InstrumentationKey=") {
		t.Errorf("APPLICATIONINSIGHTS_CONNECTION_STRING = %q", st["APPLICATIONINSIGHTS_CONNECTION_STRING"])
	}

	// The server: tier with PgBouncer, private access, backups, HA as configured.
	eq(t, "server sku", server.String("sku.name"), a.DBSku)
	if tier := server.String("sku.tier"); tier != "GeneralPurpose" && tier != "MemoryOptimized" {
		t.Errorf("server tier %q has no built-in PgBouncer", tier)
	}
	eq(t, "server version", server.String("version"), cfg.Database.EngineVersion)
	eq(t, "storageSizeGB", server.Number("storage.storageSizeGB"), float64(cfg.Database.StorageGB))
	eq(t, "backupRetentionDays", server.Number("backup.backupRetentionDays"), float64(cfg.Database.BackupRetentionDays))
	eq(t, "private access", server.String("network.delegatedSubnetResourceId") != "", true)
	eq(t, "HA", server.String("highAvailability.mode"), map[bool]string{true: "ZoneRedundant", false: "Disabled"}[a.HighAvailability])
	eq(t, "admin password", server.String("administratorLoginPassword"), policy.Secret)
	params := map[string]string{}
	for _, p := range policy.OfType(plan.Resources, "azure-native:dbforpostgresql:Configuration") {
		params[p.String("configurationName")] = p.String("value")
	}
	eq(t, "pgbouncer.enabled", params["pgbouncer.enabled"], "true")
	eq(t, "pgbouncer.pool_mode", params["pgbouncer.pool_mode"], "transaction")
	eq(t, "pgbouncer.default_pool_size", params["pgbouncer.default_pool_size"], itoa(a.PgBouncerPoolSize))
	eq(t, "require_secure_transport", params["require_secure_transport"], "on")
	locks := policy.OfType(plan.Resources, "azure-native:authorization:ManagementLockByScope")
	eq(t, "deletion locks", len(locks), map[bool]int{true: 1, false: 0}[cfg.Database.DeletionProtection])

	// Least privilege: blob access on the storage account, and Key Vault Secrets User
	// on each of the function's own secrets (never the admin password, never the vault).
	var scopes []string
	for _, r := range policy.OfType(plan.Resources, "azure-native:authorization:RoleAssignment") {
		scope := r.String("scope")
		switch {
		case strings.HasSuffix(r.String("roleDefinitionId"), "/4633458b-17de-408a-b874-0445c86b69e6"):
			scopes = append(scopes, scope[strings.LastIndex(scope, "/secrets/")+1:])
		case strings.Contains(scope, "Microsoft.Storage/storageAccounts/"):
			scopes = append(scopes, "storage")
		default:
			t.Errorf("unexpected role assignment %s on %s", r.String("roleDefinitionId"), scope)
		}
	}
	want := []string{"secrets/db-password", "storage"}
	if !flex {
		want = append(want, "storage") // the deployer's upload grant
	}
	if keysSet {
		want = append(want, "secrets/api-keys")
	}
	sort.Strings(scopes)
	sort.Strings(want)
	eq(t, "role scopes", strings.Join(scopes, ","), strings.Join(want, ","))
	eq(t, "admin login", server.String("administratorLogin"), azure.AdminLogin)
	if azure.AdminLogin == cfg.Database.User {
		t.Error("the function logs in as the server admin")
	}
	ws := only(t, plan, "azure-native:operationalinsights:Workspace")
	eq(t, "log retention", ws.Number("retentionInDays"), float64(cfg.LogRetentionDays))
	eq(t, "app insights workspace", only(t, plan, "azure-native:insights:Component").String("workspaceResourceId") != "", true)
	sa := only(t, plan, "azure-native:storage:StorageAccount")
	eq(t, "storage https only", sa.Bool("enableHttpsTrafficOnly"), true)
	eq(t, "storage tls", sa.String("minimumTlsVersion"), "TLS1_2")
	eq(t, "storage public blobs", sa.Bool("allowBlobPublicAccess"), false)
	if d, _ := plan.Outputs["deployCommand"].(string); !strings.HasPrefix(d, "az ") {
		t.Errorf("deployCommand = %q", d)
	}
}

// TestAzureStacksDiffer pins what the two committed Azure stacks are for.
func TestAzureStacksDiffer(t *testing.T) {
	root := projectRoot(t)
	dev, err := config.FromStackFile(root, "azure-dev", "")
	if err != nil {
		t.Fatal(err)
	}
	prod, err := config.FromStackFile(root, "azure-prod", "")
	if err != nil {
		t.Fatal(err)
	}
	if dev.WarmInstances != 0 || dev.Database.DeletionProtection {
		t.Errorf("azure-dev: want no warm instances and no deletion protection; got %d, %v", dev.WarmInstances, dev.Database.DeletionProtection)
	}
	if prod.WarmInstances < 1 || !prod.Database.DeletionProtection || prod.Azure.Plan == config.AzurePlanDedicated && !prod.Azure.AlwaysOnEnabled() {
		t.Errorf("azure-prod: want warm instances on its plan and deletion protection; got %d, %v", prod.WarmInstances, prod.Database.DeletionProtection)
	}
	if config.AzureDBTier(prod.Azure.DBSku) != "GeneralPurpose" && config.AzureDBTier(prod.Azure.DBSku) != "MemoryOptimized" {
		t.Errorf("azure-prod: database tier %s", config.AzureDBTier(prod.Azure.DBSku))
	}
}

// TestAzurePlans runs the program with each plan, so premium and dedicated (not only
// the committed stacks' plans) declare the right resources.
func TestAzurePlans(t *testing.T) {
	for _, tc := range []struct{ plan, extra string }{
		{"flex", "  ai-agent-connector:warmInstances: 2\n  ai-agent-connector:memoryMB: 4096\n"},
		{"premium", "  ai-agent-connector:warmInstances: 1\n"},
		{"dedicated", "  ai-agent-connector:warmInstances: 2\n  ai-agent-connector:apiKeys:\n    secure: v1:c2VjcmV0:AAAA\n"},
	} {
		t.Run(tc.plan, func(t *testing.T) {
			file := writeStack(t, "config:\n  ai-agent-connector:cloud: azure\n"+tc.extra+
				"  ai-agent-connector:logRetentionDays: 30\n  ai-agent-connector:database:\n    storageGB: 32\n  ai-agent-connector:azure:\n    plan: "+tc.plan+"\n")
			root := projectRoot(t)
			plan, err := preview.Run(preview.Options{Root: root, Stack: "test", StackFile: file})
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.FromStackFile(root, "test", file)
			if err != nil {
				t.Fatal(err)
			}
			assertAzure(t, cfg, plan)
		})
	}
}
