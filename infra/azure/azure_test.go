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

// TestCommittedStacks checks the plan of each committed Azure stack against its config.
func TestCommittedStacks(t *testing.T) { plantest.EachStack(t, config.CloudAzure, assertAzure) }

func appSettings(app policy.Resource) map[string]string {
	return plantest.NameValues(app, "siteConfig.appSettings")
}

// assertAzure checks an Azure plan against the config it came from.
func assertAzure(t *testing.T, cfg *config.Config, plan *preview.Plan) {
	plantest.Only(t, plan, azure.Type)
	a := cfg.Azure
	flex := a.Plan == config.AzurePlanFlex

	planType, appType := azurenative.AppServicePlanType, azurenative.WebAppType
	if flex {
		planType, appType = azurenative.AppServicePlanV20231201Type, azurenative.WebAppV20231201Type
	}
	asp := plantest.Only(t, plan, planType)
	app := plantest.Only(t, plan, appType)
	skuName, skuTier := a.PlanSKU()
	plantest.Eq(t, "plan sku", asp.String("sku.name"), skuName)
	plantest.Eq(t, "plan tier", asp.String("sku.tier"), skuTier)
	plantest.Eq(t, "plan linux", asp.Bool("reserved"), true)
	plantest.Eq(t, "app kind", app.String("kind"), "functionapp,linux")
	plantest.Eq(t, "httpsOnly", app.Bool("httpsOnly"), true)
	// A user-assigned identity, granted before the app exists (deploy review B4).
	plantest.Eq(t, "identity", app.String("identity.type"), "UserAssigned")
	plantest.Only(t, plan, azurenative.UserAssignedIdentityType)
	plantest.Eq(t, "keyVaultReferenceIdentity", app.String("keyVaultReferenceIdentity") != "", true)
	for _, ra := range policy.OfType(plan.Resources, "azure-native:authorization:RoleAssignment") {
		if ra.Name != "ai-agent-connector-deployer-blob" {
			plantest.Eq(t, "app waits for "+ra.Name, app.Needs(ra.Name), true)
		}
	}
	plantest.Eq(t, "serverFarmId", app.String("serverFarmId") != "", true)
	plantest.Eq(t, "vnet integration", app.String("virtualNetworkSubnetId") != "", true)

	st := appSettings(app)
	switch a.Plan {
	case config.AzurePlanFlex:
		plantest.Eq(t, "runtime", app.String("functionAppConfig.runtime.name"), "custom")
		plantest.Eq(t, "instanceMemoryMB", app.Number("functionAppConfig.scaleAndConcurrency.instanceMemoryMB"), float64(cfg.MemoryMB))
		plantest.Eq(t, "maximumInstanceCount", app.Number("functionAppConfig.scaleAndConcurrency.maximumInstanceCount"), float64(cfg.MaxInstances))
		ready, _ := app.Get("functionAppConfig.scaleAndConcurrency.alwaysReady")
		list, _ := ready.([]any)
		if cfg.WarmInstances == 0 {
			plantest.Eq(t, "alwaysReady entries", len(list), 0)
		} else if len(list) != 1 || list[0].(map[string]any)["instanceCount"] != float64(cfg.WarmInstances) {
			t.Errorf("alwaysReady = %v, want http: %d", ready, cfg.WarmInstances)
		}
		plantest.Eq(t, "deployment storage", app.String("functionAppConfig.deployment.storage.type"), "blobContainer")
		plantest.Eq(t, "deployment auth", app.String("functionAppConfig.deployment.storage.authentication.type"), "UserAssignedIdentity")
		if _, set := st["FUNCTIONS_WORKER_RUNTIME"]; set {
			t.Error("flex app sets FUNCTIONS_WORKER_RUNTIME, which Flex Consumption rejects")
		}
		if _, set := app.Get("siteConfig.alwaysOn"); set {
			t.Error("flex app sets alwaysOn")
		}
	case config.AzurePlanPremium:
		plantest.Eq(t, "plan kind", asp.String("kind"), "elastic")
		plantest.Eq(t, "maximumElasticWorkerCount", asp.Number("maximumElasticWorkerCount"), float64(cfg.MaxInstances))
		plantest.Eq(t, "minimumElasticInstanceCount", app.Number("siteConfig.minimumElasticInstanceCount"), float64(cfg.WarmInstances))
		plantest.Eq(t, "preWarmedInstanceCount", app.Number("siteConfig.preWarmedInstanceCount"), 1.0)
		if _, set := app.Get("siteConfig.alwaysOn"); set {
			t.Error("premium app sets alwaysOn")
		}
	case config.AzurePlanDedicated:
		plantest.Eq(t, "alwaysOn", app.Bool("siteConfig.alwaysOn"), a.AlwaysOnEnabled())
		plantest.Eq(t, "plan capacity", asp.Number("sku.capacity"), float64(max(1, cfg.WarmInstances)))
	}
	if !flex {
		plantest.Eq(t, "FUNCTIONS_WORKER_RUNTIME", st["FUNCTIONS_WORKER_RUNTIME"], "custom")
		if !strings.HasSuffix(st["WEBSITE_RUN_FROM_PACKAGE"], "/function-"+plan.Outputs["artifactSha256"].(string)+".zip") {
			t.Errorf("WEBSITE_RUN_FROM_PACKAGE = %q, want the package blob named by its hash", st["WEBSITE_RUN_FROM_PACKAGE"])
		}
	}
	// No azure-native Blob (it writes with the account key, which the account
	// refuses); the deploy command publishes with Entra auth instead.
	plantest.Eq(t, "package blobs", len(policy.OfType(plan.Resources, "azure-native:storage:Blob")), 0)
	cmd := plan.Outputs["deployCommand"].(string)
	if flex {
		plantest.Eq(t, "flex publishes with OneDeploy", strings.HasPrefix(cmd, "az functionapp deployment source config-zip "), true)
	} else {
		plantest.Eq(t, "upload with Entra auth", strings.Contains(cmd, "az storage blob upload --auth-mode login ") && strings.Contains(cmd, "--name function-"+plan.Outputs["artifactSha256"].(string)+".zip"), true)
	}
	plantest.Eq(t, "home page off", st["AzureWebJobsDisableHomepage"], "true")

	// Environment per the function's contract: PgBouncer port, no password in the
	// URL, the password and keys as Key Vault references.
	server := plantest.Only(t, plan, azurenative.ServerV20240801Type)
	host := plan.Outputs["databaseHost"].(string)
	plantest.Eq(t, "DATABASE_URL", st["DATABASE_URL"], "host="+host+" port=6432 dbname="+cfg.Database.Name+" user="+cfg.Database.User+" sslmode=verify-full")
	if !strings.HasPrefix(st["DATABASE_PASSWORD"], "@Microsoft.KeyVault(SecretUri=https://") || !strings.HasSuffix(st["DATABASE_PASSWORD"], "/secrets/db-password)") {
		t.Errorf("DATABASE_PASSWORD = %q, want a Key Vault reference to db-password", st["DATABASE_PASSWORD"])
	}
	if k, set := st["API_KEYS"]; set != plantest.KeysSet || (set && !strings.HasSuffix(k, "/secrets/api-keys)")) {
		t.Errorf("API_KEYS = %q, want a Key Vault reference exactly when apiKeys is set (%v)", k, plantest.KeysSet)
	}
	plantest.Eq(t, "POOL_SIZE", st["POOL_SIZE"], plantest.Itoa(cfg.PoolSize))
	plantest.Eq(t, "DB_SCHEMAS", st["DB_SCHEMAS"], strings.Join(cfg.DBSchemas, ","))
	plantest.Eq(t, "COLD_START_WARN_MS", st["COLD_START_WARN_MS"], plantest.Itoa(cfg.ColdStartWarnMs))
	plantest.Only(t, plan, "azure-native:storage:StorageAccount")
	plantest.Eq(t, "AzureWebJobsStorage__accountName set", st["AzureWebJobsStorage__accountName"] != "", true)
	if !strings.HasPrefix(st["APPLICATIONINSIGHTS_CONNECTION_STRING"], "InstrumentationKey=") {
		t.Errorf("APPLICATIONINSIGHTS_CONNECTION_STRING = %q", st["APPLICATIONINSIGHTS_CONNECTION_STRING"])
	}

	// The server: tier with PgBouncer, private access, backups, HA as configured.
	plantest.Eq(t, "server sku", server.String("sku.name"), a.DBSKU)
	if tier := server.String("sku.tier"); tier != "GeneralPurpose" && tier != "MemoryOptimized" {
		t.Errorf("server tier %q has no built-in PgBouncer", tier)
	}
	plantest.Eq(t, "server version", server.String("version"), cfg.Database.EngineVersion)
	plantest.Eq(t, "storageSizeGB", server.Number("storage.storageSizeGB"), float64(cfg.Database.StorageGB))
	plantest.Eq(t, "backupRetentionDays", server.Number("backup.backupRetentionDays"), float64(cfg.Database.BackupRetentionDays))
	plantest.Eq(t, "private access", server.String("network.delegatedSubnetResourceId") != "", true)
	plantest.Eq(t, "HA", server.String("highAvailability.mode"), map[bool]string{true: "ZoneRedundant", false: "Disabled"}[a.HighAvailability])
	plantest.Eq(t, "admin password", server.String("administratorLoginPassword"), policy.Secret)
	params := map[string]string{}
	for _, p := range policy.OfType(plan.Resources, "azure-native:dbforpostgresql:Configuration") {
		params[p.String("configurationName")] = p.String("value")
	}
	plantest.Eq(t, "pgbouncer.enabled", params["pgbouncer.enabled"], "true")
	plantest.Eq(t, "pgbouncer.pool_mode", params["pgbouncer.pool_mode"], "transaction")
	plantest.Eq(t, "pgbouncer.default_pool_size", params["pgbouncer.default_pool_size"], plantest.Itoa(a.PgBouncerPoolSize))
	plantest.Eq(t, "require_secure_transport", params["require_secure_transport"], "on")
	locks := policy.OfType(plan.Resources, "azure-native:authorization:ManagementLockByScope")
	plantest.Eq(t, "deletion locks", len(locks), map[bool]int{true: 1, false: 0}[cfg.Database.DeletionProtection])

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
	if plantest.KeysSet {
		want = append(want, "secrets/api-keys")
	}
	sort.Strings(scopes)
	sort.Strings(want)
	plantest.Eq(t, "role scopes", strings.Join(scopes, ","), strings.Join(want, ","))
	plantest.Eq(t, "admin login", server.String("administratorLogin"), azure.AdminLogin)
	if azure.AdminLogin == cfg.Database.User {
		t.Error("the function logs in as the server admin")
	}
	ws := plantest.Only(t, plan, "azure-native:operationalinsights:Workspace")
	plantest.Eq(t, "log retention", ws.Number("retentionInDays"), float64(cfg.LogRetentionDays))
	plantest.Eq(t, "app insights workspace", plantest.Only(t, plan, "azure-native:insights:Component").String("workspaceResourceId") != "", true)
	sa := plantest.Only(t, plan, "azure-native:storage:StorageAccount")
	plantest.Eq(t, "storage https only", sa.Bool("enableHttpsTrafficOnly"), true)
	plantest.Eq(t, "storage tls", sa.String("minimumTlsVersion"), "TLS1_2")
	plantest.Eq(t, "storage public blobs", sa.Bool("allowBlobPublicAccess"), false)
	if d, _ := plan.Outputs["deployCommand"].(string); !strings.HasPrefix(d, "az ") {
		t.Errorf("deployCommand = %q", d)
	}
}

// TestAzureStacksDiffer pins what the two committed Azure stacks are for.
func TestAzureStacksDiffer(t *testing.T) {
	root := plantest.Root(t)
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
	if config.AzureDBTier(prod.Azure.DBSKU) != "GeneralPurpose" && config.AzureDBTier(prod.Azure.DBSKU) != "MemoryOptimized" {
		t.Errorf("azure-prod: database tier %s", config.AzureDBTier(prod.Azure.DBSKU))
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
			file := plantest.WriteStack(t, "config:\n  ai-agent-connector:cloud: azure\n"+tc.extra+
				"  ai-agent-connector:logRetentionDays: 30\n  ai-agent-connector:database:\n    storageGB: 32\n  ai-agent-connector:azure:\n    plan: "+tc.plan+"\n")
			root := plantest.Root(t)
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
