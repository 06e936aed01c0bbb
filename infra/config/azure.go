package config

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Azure holds settings only Azure Functions and PostgreSQL Flexible Server need
// (key ai-agent-connector:azure).
type Azure struct {
	// Location is the Azure region of every resource, e.g. eastus.
	Location string `json:"location"`
	// Plan is the hosting plan: flex (Flex Consumption), premium (Elastic Premium)
	// or dedicated (App Service plan).
	Plan string `json:"plan"`
	// PlanSku is the plan size: premium EP1|EP2|EP3; dedicated e.g. B1, S1, P0v3,
	// P1v3. Empty: the smallest size with at least memoryMB. Flex is always FC1.
	PlanSku string `json:"planSku"`
	// AlwaysOn keeps the app loaded. Only Dedicated plans have it (default true
	// there); asking for it on flex or premium is an error, since those plans keep
	// instances warm with warmInstances instead.
	AlwaysOn *bool `json:"alwaysOn"`
	// DBSKU is the Flexible Server compute size, e.g. Standard_D2ds_v5. Its tier
	// (GeneralPurpose, MemoryOptimized) is derived from the name: the built-in
	// PgBouncer does not exist on Burstable.
	DBSKU string `json:"dbSku"`
	// HighAvailability turns on zone-redundant high availability for the server.
	HighAvailability bool `json:"highAvailability"`
	// PgBouncerPoolSize is pgbouncer.default_pool_size: server connections per
	// user/database pair behind the pooler.
	PgBouncerPoolSize int `json:"pgbouncerPoolSize"`
	// PgBouncerMaxClientConn is pgbouncer.max_client_conn: client connections the
	// pooler accepts (every instance's pool counts).
	PgBouncerMaxClientConn int `json:"pgbouncerMaxClientConn"`
	// VNetCIDR is the /16 address space of the virtual network the stack creates
	// (function integration subnet + delegated database subnet).
	VNetCIDR string `json:"vnetCidr"`
	// Existing database (database.mode existing): the server's host name, and the
	// Key Vault secret URI holding database.user's password (the app's identity must
	// be allowed to read it).
	ExistingServerFQDN        string `json:"existingServerFqdn"`
	ExistingPasswordSecretURI string `json:"existingPasswordSecretUri"`
}

// Azure plan names.
const (
	AzurePlanFlex      = "flex"
	AzurePlanPremium   = "premium"
	AzurePlanDedicated = "dedicated"
)

// azurePlans lists the plans in the order of the docs.
var azurePlans = []string{AzurePlanFlex, AzurePlanPremium, AzurePlanDedicated}

// flexMemoryMB are the Flex Consumption instance memory sizes.
var flexMemoryMB = []int{512, 2048, 4096}

// azureStorageGB are the storage sizes a Flexible Server (premium SSD) accepts.
var azureStorageGB = []int{32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768}

// Flex Consumption and Functions limits.
const (
	flexMaxInstances = 1000
	// flexMinInstances is the lowest maximumInstanceCount most regions accept
	// (flex-consumption-plan.md: "The lowest maximum scale ... is 40";
	// Azure/azure-functions-host#10523: lower values only in a few regions, in preview).
	flexMinInstances    = 40
	premiumMaxInstances = 100
	// azureHTTPTimeout is the Azure load balancer's idle timeout: an HTTP-triggered
	// function must answer within 230 s whatever functionTimeout says.
	azureHTTPTimeout = 230
	// azureReservedConnections are max_connections the Flexible Server keeps for
	// its own replication and monitoring.
	azureReservedConnections = 15
)

// premiumSkuMB is the memory of each Elastic Premium size.
var premiumSkuMB = map[string]int{"EP1": 3584, "EP2": 7168, "EP3": 14336}

// dedicatedSkuMB is the memory of common Linux App Service sizes.
var dedicatedSkuMB = map[string]int{
	"B1": 1792, "B2": 3584, "B3": 7168,
	"S1": 1792, "S2": 3584, "S3": 7168,
	"P1v2": 3584, "P2v2": 7168, "P3v2": 14336,
	"P0v3": 4096, "P1v3": 8192, "P2v3": 16384, "P3v3": 32768,
	"P1mv3": 16384, "P2mv3": 32768,
}

// dedicatedTier is the App Service tier name of a dedicated SKU.
func dedicatedTier(sku string) string {
	switch {
	case strings.HasPrefix(sku, "B"):
		return "Basic"
	case strings.HasPrefix(sku, "S"):
		return "Standard"
	case strings.HasSuffix(sku, "mv3"), strings.HasSuffix(sku, "v3"):
		return "PremiumV3"
	default:
		return "PremiumV2"
	}
}

// PlanSKU returns the App Service plan SKU name and tier for the config.
func (a *Azure) PlanSKU() (name, tier string) {
	switch a.Plan {
	case AzurePlanFlex:
		return "FC1", "FlexConsumption"
	case AzurePlanPremium:
		return a.PlanSku, "ElasticPremium"
	default:
		return a.PlanSku, dedicatedTier(a.PlanSku)
	}
}

// azureDBSkus maps Flexible Server compute sizes of the tiers that have the
// built-in PgBouncer to their default max_connections (Azure docs, "Limits in
// Azure Database for PostgreSQL flexible server"). Burstable sizes are listed
// only to give a precise message.
var azureDBSkus = map[string]int{
	"Standard_D2ds_v4": 859, "Standard_D4ds_v4": 1718, "Standard_D8ds_v4": 3437, "Standard_D16ds_v4": 5000,
	"Standard_D2ds_v5": 859, "Standard_D4ds_v5": 1718, "Standard_D8ds_v5": 3437, "Standard_D16ds_v5": 5000,
	"Standard_E2ds_v4": 1718, "Standard_E4ds_v4": 3437, "Standard_E8ds_v4": 5000,
	"Standard_E2ds_v5": 1718, "Standard_E4ds_v5": 3437, "Standard_E8ds_v5": 5000,
}

// AzureDBTier is the Flexible Server tier of a compute size name.
func AzureDBTier(sku string) string {
	switch {
	case strings.HasPrefix(sku, "Standard_B"):
		return "Burstable"
	case strings.HasPrefix(sku, "Standard_D"):
		return "GeneralPurpose"
	case strings.HasPrefix(sku, "Standard_E"):
		return "MemoryOptimized"
	}
	return ""
}

// azureMaxConnections is the default max_connections of a known compute size (0 if unknown).
func azureMaxConnections(sku string) int { return azureDBSkus[sku] }

// AlwaysOnEnabled reports whether the app runs with Always-On.
func (a *Azure) AlwaysOnEnabled() bool {
	return a.Plan == AzurePlanDedicated && (a.AlwaysOn == nil || *a.AlwaysOn)
}

var kvSecretURI = regexp.MustCompile(`^https://[a-z0-9-]+\.vault\.azure\.net/secrets/[A-Za-z0-9-]+/?[0-9a-f]*$`)

var azureLocation = regexp.MustCompile(`^[a-z]+[a-z0-9]*$`)

func (a *Azure) applyDefaults(c *Config) {
	if a.Location == "" {
		a.Location = "eastus"
	}
	if a.Plan == "" {
		a.Plan = AzurePlanFlex
	}
	if a.Plan == AzurePlanFlex && c.MaxInstances == 0 {
		c.MaxInstances = flexMinInstances
	}
	// The common defaults (14 days, 20 GB) are below what Azure accepts.
	if c.LogRetentionDays == 0 {
		c.LogRetentionDays = 30
	}
	if c.Database.StorageGB == 0 {
		c.Database.StorageGB = 32
	}
	switch a.Plan {
	case AzurePlanFlex:
		if c.MemoryMB == 0 {
			c.MemoryMB = 2048 // the Flex Consumption default instance size
		}
	case AzurePlanPremium:
		if a.PlanSku == "" {
			a.PlanSku = smallestSku(premiumSkuMB, c.MemoryMB)
		}
		if c.MemoryMB == 0 {
			c.MemoryMB = premiumSkuMB[a.PlanSku]
		}
	case AzurePlanDedicated:
		if a.PlanSku == "" {
			// Premium v3 sizes only: current hardware, VNet integration, and P0v3 is
			// the smallest.
			v3 := map[string]int{}
			for n, mb := range dedicatedSkuMB {
				if strings.HasSuffix(n, "v3") {
					v3[n] = mb
				}
			}
			a.PlanSku = smallestSku(v3, c.MemoryMB)
		}
		if c.MemoryMB == 0 {
			c.MemoryMB = dedicatedSkuMB[a.PlanSku]
		}
	}
	if a.DBSKU == "" {
		a.DBSKU = "Standard_D2ds_v5" // the smallest General Purpose size (PgBouncer needs GP or MO)
	}
	if a.PgBouncerPoolSize == 0 {
		a.PgBouncerPoolSize = 50 // the service default of pgbouncer.default_pool_size
	}
	if a.PgBouncerMaxClientConn == 0 {
		a.PgBouncerMaxClientConn = 5000 // the service default of pgbouncer.max_client_conn
	}
	if a.VNetCIDR == "" {
		a.VNetCIDR = "10.50.0.0/16"
	}
}

// smallestSku returns the smallest size with at least mb memory ("" when none has).
func smallestSku(sizes map[string]int, mb int) string {
	names := make([]string, 0, len(sizes))
	for n := range sizes {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if sizes[names[i]] != sizes[names[j]] {
			return sizes[names[i]] < sizes[names[j]]
		}
		return names[i] < names[j]
	})
	for _, n := range names {
		if sizes[n] >= mb {
			return n
		}
	}
	return ""
}

func skuList(sizes map[string]int) string {
	names := make([]string, 0, len(sizes))
	for n, mb := range sizes {
		names = append(names, fmt.Sprintf("%s (%d MB)", n, mb))
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (a *Azure) validate(c *Config, v *Problems) {
	if !azureLocation.MatchString(a.Location) {
		v.Add("azure.location", a.Location, "an Azure region name such as eastus or westeurope")
	}
	if c.TimeoutSeconds > azureHTTPTimeout {
		v.addf("timeoutSeconds", c.TimeoutSeconds, "1 to %d (an HTTP-triggered function must answer within the Azure load balancer's 230 s)", azureHTTPTimeout)
	}
	if c.LogRetentionDays < 30 || c.LogRetentionDays > 730 {
		v.Add("logRetentionDays", c.LogRetentionDays, "30 to 730 (Log Analytics workspace retention, PerGB2018)")
	}
	a.validatePlan(c, v)
	a.validateDatabase(c, v)
}

func (a *Azure) validatePlan(c *Config, v *Problems) {
	switch a.Plan {
	case AzurePlanFlex:
		if !slices.Contains(flexMemoryMB, c.MemoryMB) {
			v.Add("memoryMB", c.MemoryMB, "512, 2048 or 4096 (Flex Consumption instance memory sizes)")
		}
		if a.PlanSku != "" && a.PlanSku != "FC1" {
			v.Add("azure.planSku", a.PlanSku, "empty or FC1 (Flex Consumption has one size; memoryMB picks the instance memory)")
		}
		if c.MaxInstances < flexMinInstances || c.MaxInstances > flexMaxInstances {
			v.addf("maxInstances", c.MaxInstances, "%d to %d on plan flex (Flex Consumption's maximum instance count; most regions refuse less than %d); bound the database load with poolSize instead", flexMinInstances, flexMaxInstances, flexMinInstances)
		}
		// Always-ready instances are part of the app's instances: warmInstances <=
		// maxInstances is checked by the common rules.
	case AzurePlanPremium:
		mb, ok := premiumSkuMB[a.PlanSku]
		if !ok {
			v.addf("azure.planSku", a.PlanSku, "one of %s for plan premium", skuList(premiumSkuMB))
		} else if c.MemoryMB > mb {
			v.addf("memoryMB", c.MemoryMB, "at most %d with azure.planSku %s (its memory); pick a larger EP size or lower memoryMB", mb, a.PlanSku)
		}
		if c.WarmInstances < 1 {
			v.Add("warmInstances", c.WarmInstances, "1 or more on plan premium: Elastic Premium always keeps at least one always-ready instance (minimum elastic instance count), and you pay for it")
		}
		if c.MaxInstances > premiumMaxInstances {
			v.addf("maxInstances", c.MaxInstances, "1 to %d (Elastic Premium maximum burst on Linux)", premiumMaxInstances)
		}
	case AzurePlanDedicated:
		mb, ok := dedicatedSkuMB[a.PlanSku]
		if !ok {
			v.addf("azure.planSku", a.PlanSku, "one of %s for plan dedicated", skuList(dedicatedSkuMB))
		} else if c.MemoryMB > mb {
			v.addf("memoryMB", c.MemoryMB, "at most %d with azure.planSku %s (its memory); pick a larger size or lower memoryMB", mb, a.PlanSku)
		}
		if strings.HasPrefix(a.PlanSku, "B") && c.WarmInstances > 3 {
			v.Add("warmInstances", c.WarmInstances, "at most 3 instances on a Basic (B1-B3) plan")
		}
	default:
		v.Add("azure.plan", a.Plan, "one of flex (Flex Consumption), premium (Elastic Premium) or dedicated (App Service)")
		return
	}
	if a.AlwaysOn != nil && *a.AlwaysOn && a.Plan != AzurePlanDedicated {
		v.addf("azure.alwaysOn", true,
			"false or unset on plan %s: Always-On exists only on Dedicated (App Service) plans; keep instances warm with warmInstances (%s)",
			a.Plan, map[string]string{AzurePlanFlex: "always-ready instances", AzurePlanPremium: "minimum elastic / pre-warmed instances"}[a.Plan])
	}
}

func (a *Azure) validateDatabase(c *Config, v *Problems) {
	db := c.Database
	switch db.Mode {
	case "create":
		tier := AzureDBTier(a.DBSKU)
		switch {
		case tier == "Burstable":
			v.addf("azure.dbSku", a.DBSKU, "a General Purpose (Standard_D...ds) or Memory Optimized (Standard_E...ds) size: the built-in PgBouncer the function connects through (port 6432) does not exist on Burstable; e.g. Standard_D2ds_v5")
		case tier == "":
			v.addf("azure.dbSku", a.DBSKU, "a Flexible Server compute size such as Standard_D2ds_v5 (General Purpose) or Standard_E2ds_v5 (Memory Optimized)")
		case azureMaxConnections(a.DBSKU) == 0 && db.MaxConnections == 0:
			v.addf("azure.dbSku", a.DBSKU, "a size with a known max_connections (%s), or set database.maxConnections", strings.Join(knownAzureDBSkus(), ", "))
		}
		if major, err := strconv.Atoi(db.EngineVersion); err != nil || major < 13 || major > 17 {
			v.Add("database.engineVersion", db.EngineVersion, "a Flexible Server PostgreSQL major version: 13 to 17")
		}
		if !slices.Contains(azureStorageGB, db.StorageGB) {
			v.addf("database.storageGB", db.StorageGB, "one of the Flexible Server storage sizes: %s", joinInts(azureStorageGB))
		}
		if !cidr16.MatchString(a.VNetCIDR) || !strings.HasSuffix(a.VNetCIDR, "/16") {
			v.Add("azure.vnetCidr", a.VNetCIDR, "an IPv4 /16 such as 10.50.0.0/16 (the stack carves a function subnet and a delegated database subnet from it)")
		}
		if a.ExistingServerFQDN != "" || a.ExistingPasswordSecretURI != "" {
			v.Add("database.mode", db.Mode, "existing (azure.existingServerFqdn and azure.existingPasswordSecretUri only apply to an existing database)")
		}
	case "existing":
		if !strings.HasSuffix(a.ExistingServerFQDN, ".postgres.database.azure.com") {
			v.Add("azure.existingServerFqdn", a.ExistingServerFQDN, "the existing Flexible Server's host name, NAME.postgres.database.azure.com (required with database.mode existing)")
		}
		if !kvSecretURI.MatchString(a.ExistingPasswordSecretURI) {
			v.Add("azure.existingPasswordSecretUri", a.ExistingPasswordSecretURI, "a Key Vault secret URI https://VAULT.vault.azure.net/secrets/NAME (required with database.mode existing; the password is only ever passed as a Key Vault reference)")
		}
	}
	if a.PgBouncerPoolSize < 1 {
		v.Add("azure.pgbouncerPoolSize", a.PgBouncerPoolSize, "at least 1")
	}
	if a.PgBouncerMaxClientConn < 1 || a.PgBouncerMaxClientConn > 50000 {
		v.Add("azure.pgbouncerMaxClientConn", a.PgBouncerMaxClientConn, "1 to 50000")
	}
	// The connection budget through PgBouncer: every instance may hold a full pool
	// of client connections, and PgBouncer's server pool must fit the server.
	if a.PgBouncerMaxClientConn >= 1 && c.MaxInstances*c.PoolSize > a.PgBouncerMaxClientConn {
		v.addf("maxInstances", c.MaxInstances,
			"maxInstances × poolSize (%d × %d = %d) must fit PgBouncer's azure.pgbouncerMaxClientConn (%d): lower maxInstances or poolSize, or raise azure.pgbouncerMaxClientConn",
			c.MaxInstances, c.PoolSize, c.MaxInstances*c.PoolSize, a.PgBouncerMaxClientConn)
	}
	if server := a.serverMaxConnections(c); server > 0 && a.PgBouncerPoolSize > server-azureReservedConnections {
		v.addf("azure.pgbouncerPoolSize", a.PgBouncerPoolSize,
			"at most %d: PgBouncer's server pool must fit the server's max_connections (%d) minus %d the service reserves; lower it or use a larger azure.dbSku",
			server-azureReservedConnections, server, azureReservedConnections)
	}
}

// serverMaxConnections is the server's max_connections: database.maxConnections
// when set, else the compute size's default (0 if unknown).
func (a *Azure) serverMaxConnections(c *Config) int {
	if c.Database.MaxConnections > 0 {
		return c.Database.MaxConnections
	}
	if c.Database.Creates() {
		return azureMaxConnections(a.DBSKU)
	}
	return 0
}

func knownAzureDBSkus() []string {
	out := make([]string, 0, len(azureDBSkus))
	for k := range azureDBSkus {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
