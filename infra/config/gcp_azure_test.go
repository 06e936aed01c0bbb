package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

const (
	gcpBase = "  ai-agent-connector:cloud: gcp\n"
	// Explicit values, so each row tests only its own key (Azure's defaults are checked
	// by TestAzureMinimalStackDefaults).
	azureBase = "  ai-agent-connector:cloud: azure\n  ai-agent-connector:logRetentionDays: 30\n"
	azureDB   = "  ai-agent-connector:database:\n    storageGB: 32\n"
)

// TestInvalidGCPAndAzureConfig: one row per invalid-config class of the GCP and Azure
// sections and per Azure plan rule; each message names the stack file, the key, the
// value and what is allowed.
func TestInvalidGCPAndAzureConfig(t *testing.T) {
	tests := []struct {
		name, base, yaml string
		key, value       string
		allowed          []string
	}{
		// GCP
		{"gcp wrong type", gcpBase, "  ai-agent-connector:gcp:\n    concurrency: lots\n", "gcp.concurrency", `"lots"`, []string{"an integer"}},
		{"gcp unknown setting", gcpBase, "  ai-agent-connector:gcp:\n    regoin: us-east1\n", "gcp.regoin", `"us-east1"`, []string{"did you mean gcp.region"}},
		{"gcp memory below range", gcpBase, "  ai-agent-connector:memoryMB: 64\n", "memoryMB", "64", []string{"128 to 32768"}},
		{"gcp memory above range", gcpBase, "  ai-agent-connector:memoryMB: 65536\n  ai-agent-connector:gcp:\n    cpu: \"8\"\n", "memoryMB", "65536", []string{"128 to 32768"}},
		{"gcp memory too large for cpu", gcpBase, "  ai-agent-connector:memoryMB: 8192\n  ai-agent-connector:gcp:\n    cpu: \"1\"\n", "memoryMB", "8192", []string{"128 to 4096 MB with gcp.cpu 1"}},
		{"gcp memory too small for cpu", gcpBase, "  ai-agent-connector:memoryMB: 1024\n  ai-agent-connector:gcp:\n    cpu: \"4\"\n", "memoryMB", "1024", []string{"2048 to 16384 MB with gcp.cpu 4"}},
		{"gcp cpu not offered", gcpBase, "  ai-agent-connector:gcp:\n    cpu: \"3\"\n", "gcp.cpu", `"3"`, []string{"one of 0.083", "8"}},
		{"gcp concurrency needs a whole cpu", gcpBase, "  ai-agent-connector:memoryMB: 512\n  ai-agent-connector:poolSize: 1\n  ai-agent-connector:gcp:\n    cpu: \"0.333\"\n    concurrency: 4\n",
			"gcp.concurrency", "4", []string{"1 with gcp.cpu 0.333", "needs at least 1 CPU"}},
		{"gcp pool above concurrency", gcpBase, "  ai-agent-connector:poolSize: 10\n  ai-agent-connector:gcp:\n    concurrency: 4\n", "poolSize", "10", []string{"at most gcp.concurrency (4)"}},
		{"gcp runtime too old for the module", gcpBase, "  ai-agent-connector:gcp:\n    runtime: go125\n", "gcp.runtime", `"go125"`, []string{"go126", "Go 1.26"}},
		{"gcp timeout above limit", gcpBase, "  ai-agent-connector:timeoutSeconds: 4000\n", "timeoutSeconds", "4000", []string{"1 to 3600"}},
		{"gcp warm above max", gcpBase, "  ai-agent-connector:warmInstances: 3\n  ai-agent-connector:maxInstances: 2\n", "warmInstances", "3", []string{"at most maxInstances (2)"}},
		{"gcp connection budget", gcpBase, "  ai-agent-connector:maxInstances: 30\n  ai-agent-connector:poolSize: 4\n", "maxInstances", "30",
			[]string{"30 × 4 = 120", "Cloud SQL's 97 connections", "max_connections 100"}},
		{"gcp unknown tier", gcpBase, "  ai-agent-connector:gcp:\n    dbTier: db-n1-standard-1\n", "gcp.dbTier", `"db-n1-standard-1"`, []string{"db-custom-CPUS-MEMORYMB", "database.maxConnections"}},
		{"gcp invoker malformed", gcpBase, "  ai-agent-connector:gcp:\n    invokers: [everyone]\n", "gcp.invokers", `"everyone"`, []string{"serviceAccount:", "allUsers"}},
		{"gcp ingress", gcpBase, "  ai-agent-connector:gcp:\n    ingress: PUBLIC\n", "gcp.ingress", `"PUBLIC"`, []string{"ALLOW_INTERNAL_ONLY"}},
		{"gcp existing instance missing", gcpBase, "  ai-agent-connector:database:\n    mode: existing\n    maxConnections: 100\n", "gcp.existingInstanceConnectionName", `""`, []string{"PROJECT:REGION:INSTANCE"}},
		{"gcp log retention", gcpBase, "  ai-agent-connector:logRetentionDays: 5000\n", "logRetentionDays", "5000", []string{"1 to 3650"}},

		// Azure: section, plan rules, database, budget
		{"azure wrong type", azureBase + azureDB, "  ai-agent-connector:azure:\n    highAvailability: sometimes\n", "azure.highAvailability", `"sometimes"`, []string{"a boolean"}},
		{"azure unknown setting", azureBase + azureDB, "  ai-agent-connector:azure:\n    plann: flex\n", "azure.plann", `"flex"`, []string{"did you mean azure.plan"}},
		{"azure plan unknown", azureBase + azureDB, "  ai-agent-connector:azure:\n    plan: consumption\n", "azure.plan", `"consumption"`, []string{"flex", "premium", "dedicated"}},
		{"flex memory size", azureBase + azureDB, "  ai-agent-connector:memoryMB: 1024\n", "memoryMB", "1024", []string{"512, 2048 or 4096"}},
		{"flex has one sku", azureBase + azureDB, "  ai-agent-connector:azure:\n    planSku: EP1\n", "azure.planSku", `"EP1"`, []string{"FC1"}},
		{"flex max instances", azureBase + azureDB, "  ai-agent-connector:maxInstances: 2000\n  ai-agent-connector:azure:\n    pgbouncerMaxClientConn: 50000\n", "maxInstances", "2000", []string{"40 to 1000"}},
		{"flex max instances below the regional minimum", azureBase + azureDB, "  ai-agent-connector:maxInstances: 10\n", "maxInstances", "10", []string{"40 to 1000", "most regions refuse less than 40"}},
		{"flex always-ready above max", azureBase + azureDB, "  ai-agent-connector:warmInstances: 12\n  ai-agent-connector:maxInstances: 10\n", "warmInstances", "12", []string{"at most maxInstances (10)"}},
		{"alwaysOn on flex", azureBase + azureDB, "  ai-agent-connector:azure:\n    alwaysOn: true\n", "azure.alwaysOn", "true", []string{"only on Dedicated", "always-ready instances"}},
		{"alwaysOn on premium", azureBase + azureDB, "  ai-agent-connector:warmInstances: 1\n  ai-agent-connector:azure:\n    plan: premium\n    alwaysOn: true\n", "azure.alwaysOn", "true",
			[]string{"only on Dedicated", "pre-warmed"}},
		{"premium needs an always-ready instance", azureBase + azureDB, "  ai-agent-connector:azure:\n    plan: premium\n", "warmInstances", "0", []string{"1 or more on plan premium"}},
		{"premium sku", azureBase + azureDB, "  ai-agent-connector:warmInstances: 1\n  ai-agent-connector:azure:\n    plan: premium\n    planSku: EP4\n", "azure.planSku", `"EP4"`, []string{"EP1 (3584 MB)", "EP3"}},
		{"premium memory above sku", azureBase + azureDB, "  ai-agent-connector:memoryMB: 8192\n  ai-agent-connector:warmInstances: 1\n  ai-agent-connector:azure:\n    plan: premium\n    planSku: EP1\n",
			"memoryMB", "8192", []string{"at most 3584 with azure.planSku EP1"}},
		{"premium max burst", azureBase + azureDB, "  ai-agent-connector:warmInstances: 1\n  ai-agent-connector:maxInstances: 150\n  ai-agent-connector:azure:\n    plan: premium\n", "maxInstances", "150", []string{"1 to 100"}},
		{"dedicated sku", azureBase + azureDB, "  ai-agent-connector:azure:\n    plan: dedicated\n    planSku: F1\n", "azure.planSku", `"F1"`, []string{"P1v3", "for plan dedicated"}},
		{"dedicated basic instances", azureBase + azureDB, "  ai-agent-connector:warmInstances: 4\n  ai-agent-connector:azure:\n    plan: dedicated\n    planSku: B1\n", "warmInstances", "4", []string{"at most 3 instances on a Basic"}},
		{"pgbouncer needs GP or MO", azureBase + azureDB, "  ai-agent-connector:azure:\n    dbSku: Standard_B1ms\n", "azure.dbSku", `"Standard_B1ms"`, []string{"General Purpose", "Memory Optimized", "does not exist on Burstable"}},
		{"db sku unknown", azureBase + azureDB, "  ai-agent-connector:azure:\n    dbSku: Huge\n", "azure.dbSku", `"Huge"`, []string{"Standard_D2ds_v5"}},
		{"azure storage size", azureBase, "  ai-agent-connector:database:\n    storageGB: 50\n", "database.storageGB", "50", []string{"32, 64, 128"}},
		{"azure log retention", "  ai-agent-connector:cloud: azure\n" + azureDB, "  ai-agent-connector:logRetentionDays: 14\n", "logRetentionDays", "14", []string{"30 to 730"}},
		{"azure http timeout", azureBase + azureDB, "  ai-agent-connector:timeoutSeconds: 300\n", "timeoutSeconds", "300", []string{"1 to 230"}},
		{"azure budget over pgbouncer clients", azureBase + azureDB, "  ai-agent-connector:maxInstances: 100\n  ai-agent-connector:poolSize: 8\n  ai-agent-connector:azure:\n    pgbouncerMaxClientConn: 500\n",
			"maxInstances", "100", []string{"100 × 8 = 800", "pgbouncerMaxClientConn (500)"}},
		{"azure pgbouncer pool over server", azureBase + azureDB, "  ai-agent-connector:azure:\n    pgbouncerPoolSize: 900\n", "azure.pgbouncerPoolSize", "900", []string{"at most 844", "max_connections (859)"}},
		{"azure vnet cidr", azureBase + azureDB, "  ai-agent-connector:azure:\n    vnetCidr: 10.0.0.0/8\n", "azure.vnetCidr", `"10.0.0.0/8"`, []string{"/16"}},
		{"azure existing server missing", azureBase, "  ai-agent-connector:database:\n    mode: existing\n", "azure.existingServerFqdn", `""`, []string{"postgres.database.azure.com"}},
		{"azure existing password not a vault uri", azureBase,
			"  ai-agent-connector:database:\n    mode: existing\n  ai-agent-connector:azure:\n    existingServerFqdn: x.postgres.database.azure.com\n    existingPasswordSecretUri: hunter2\n",
			"azure.existingPasswordSecretUri", `"hunter2"`, []string{"Key Vault secret URI"}},
	}
	r := root(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := writeStack(t, tc.base, tc.yaml)
			_, err := config.FromStackFile(r, "test", file)
			var inv *config.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("want *config.InvalidError, got %v", err)
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
		})
	}
}

// TestValidGCPAndAzureConfig: the defaults and each Azure plan's derived settings.
func TestValidGCPAndAzureConfig(t *testing.T) {
	r := root(t)
	load := func(t *testing.T, base, yaml string) *config.Config {
		t.Helper()
		c, err := config.FromStackFile(r, "test", writeStack(t, base, yaml))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	g := load(t, gcpBase, "")
	if g.Arch != "amd64" || g.MemoryMB != 512 || g.GCP.CPU != "1" || g.GCP.Runtime != "go126" || g.GCP.Concurrency != 8 ||
		g.PoolSize != 4 || g.Database.MaxConnections != 100 || len(g.GCP.Invokers) != 0 {
		t.Errorf("gcp defaults: %+v %+v", g.GCP, g.Database)
	}
	if g.GCPMemory() != "512Mi" {
		t.Errorf("GCPMemory = %s", g.GCPMemory())
	}
	if c := load(t, gcpBase, "  ai-agent-connector:memoryMB: 6144\n"); c.GCP.CPU != "2" {
		t.Errorf("6 GiB: cpu %s, want 2", c.GCP.CPU)
	}

	flex := load(t, azureBase+azureDB, "")
	if n, tier := flex.Azure.PlanSKU(); flex.Azure.Plan != "flex" || flex.MemoryMB != 2048 || n != "FC1" || tier != "FlexConsumption" || flex.Azure.AlwaysOnEnabled() {
		t.Errorf("flex defaults: %+v memory %d", flex.Azure, flex.MemoryMB)
	}
	prem := load(t, azureBase+azureDB, "  ai-agent-connector:memoryMB: 5000\n  ai-agent-connector:warmInstances: 1\n  ai-agent-connector:azure:\n    plan: premium\n")
	if n, tier := prem.Azure.PlanSKU(); n != "EP2" || tier != "ElasticPremium" || prem.Azure.AlwaysOnEnabled() {
		t.Errorf("premium for 5000 MB: %s %s", n, tier)
	}
	ded := load(t, azureBase+azureDB, "  ai-agent-connector:azure:\n    plan: dedicated\n")
	if n, tier := ded.Azure.PlanSKU(); n != "P0v3" || tier != "PremiumV3" || !ded.Azure.AlwaysOnEnabled() || ded.MemoryMB != 4096 {
		t.Errorf("dedicated defaults: %s %s alwaysOn %v memory %d", n, tier, ded.Azure.AlwaysOnEnabled(), ded.MemoryMB)
	}
	off := load(t, azureBase+azureDB, "  ai-agent-connector:azure:\n    plan: dedicated\n    planSku: S1\n    alwaysOn: false\n")
	if n, tier := off.Azure.PlanSKU(); n != "S1" || tier != "Standard" || off.Azure.AlwaysOnEnabled() {
		t.Errorf("dedicated S1 without Always-On: %s %s %v", n, tier, off.Azure.AlwaysOnEnabled())
	}
}

// TestAzureMinimalStackDefaults: a stack that says only "cloud: azure" is valid, because
// Azure gets its own defaults where the common ones are below its minimums.
func TestAzureMinimalStackDefaults(t *testing.T) {
	c, err := config.FromStackFile(root(t), "test", writeStack(t, "  ai-agent-connector:cloud: azure\n", ""))
	if err != nil {
		t.Fatalf("minimal azure stack: %v", err)
	}
	if c.LogRetentionDays != 30 || c.Database.StorageGB != 32 {
		t.Errorf("azure defaults: logRetentionDays %d, storageGB %d; want 30, 32", c.LogRetentionDays, c.Database.StorageGB)
	}
	c, err = config.FromStackFile(root(t), "test", writeStack(t, "  ai-agent-connector:cloud: aws\n", ""))
	if err != nil {
		t.Fatalf("minimal aws stack: %v", err)
	}
	if c.LogRetentionDays != 14 || c.Database.StorageGB != 20 {
		t.Errorf("aws defaults: logRetentionDays %d, storageGB %d; want 14, 20", c.LogRetentionDays, c.Database.StorageGB)
	}
}
