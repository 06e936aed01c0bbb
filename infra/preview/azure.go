package preview

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Fake identifiers the mocks use where Azure would compute them.
const (
	FakeAzureSubscription = "00000000-0000-0000-0000-000000000000"
	FakeAzureTenant       = "11111111-1111-1111-1111-111111111111"
)

// azureClientConfig answers getClientConfig with the fake subscription and tenant.
func azureClientConfig(*Mocks, resource.PropertyMap) (resource.PropertyMap, error) {
	return resource.NewPropertyMapFromMap(map[string]any{
		"clientId": "22222222-2222-2222-2222-222222222222", "objectId": "33333333-3333-3333-3333-333333333333",
		"subscriptionId": FakeAzureSubscription, "tenantId": FakeAzureTenant,
	}), nil
}

// azureOutputs fills what azure-native would compute for the types the Azure component uses.
func azureOutputs(m *Mocks, typ, name string, in resource.PropertyMap, set func(string, any)) string {
	h := shortHash(name)
	str := func(k string) string {
		if v, ok := in[resource.PropertyKey(k)]; ok && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	rg := str("resourceGroupName")
	sub := "/subscriptions/" + FakeAzureSubscription
	// The physical name: the type's own name property when given, else autonaming.
	nameKey := map[string]string{
		"azure-native:resources:ResourceGroup":              "resourceGroupName",
		"azure-native:storage:StorageAccount":               "accountName",
		"azure-native:storage:BlobContainer":                "containerName",
		"azure-native:storage:Blob":                         "blobName",
		"azure-native:keyvault:Vault":                       "vaultName",
		"azure-native:keyvault:Secret":                      "secretName",
		"azure-native:network:VirtualNetwork":               "virtualNetworkName",
		"azure-native:network:Subnet":                       "subnetName",
		"azure-native:network:PrivateZone":                  "privateZoneName",
		"azure-native:network:VirtualNetworkLink":           "virtualNetworkLinkName",
		"azure-native:operationalinsights:Workspace":        "workspaceName",
		"azure-native:insights:Component":                   "resourceName",
		"azure-native:dbforpostgresql:Server":               "serverName",
		"azure-native:dbforpostgresql/v20240801:Server":     "serverName",
		"azure-native:managedidentity:UserAssignedIdentity": "resourceName",
		"azure-native:dbforpostgresql:Configuration":        "configurationName",
		"azure-native:dbforpostgresql:Database":             "databaseName",
	}[typ]
	if nameKey == "" {
		nameKey = "name"
	}
	physical := str(nameKey)
	if physical == "" {
		physical = name + h // autonaming: logical name plus a random suffix
		if typ == "azure-native:storage:StorageAccount" {
			physical = strings.ReplaceAll(name, "-", "") + h // lowercase letters and digits only
		}
	}
	set("name", physical)
	provider := map[string]string{
		"azure-native:resources:ResourceGroup":              "",
		"azure-native:storage:StorageAccount":               "Microsoft.Storage/storageAccounts",
		"azure-native:keyvault:Vault":                       "Microsoft.KeyVault/vaults",
		"azure-native:network:VirtualNetwork":               "Microsoft.Network/virtualNetworks",
		"azure-native:network:PrivateZone":                  "Microsoft.Network/privateDnsZones",
		"azure-native:operationalinsights:Workspace":        "Microsoft.OperationalInsights/workspaces",
		"azure-native:insights:Component":                   "Microsoft.Insights/components",
		"azure-native:web:AppServicePlan":                   "Microsoft.Web/serverfarms",
		"azure-native:web/v20231201:AppServicePlan":         "Microsoft.Web/serverfarms",
		"azure-native:web:WebApp":                           "Microsoft.Web/sites",
		"azure-native:web/v20231201:WebApp":                 "Microsoft.Web/sites",
		"azure-native:dbforpostgresql:Server":               "Microsoft.DBforPostgreSQL/flexibleServers",
		"azure-native:dbforpostgresql/v20240801:Server":     "Microsoft.DBforPostgreSQL/flexibleServers",
		"azure-native:managedidentity:UserAssignedIdentity": "Microsoft.ManagedIdentity/userAssignedIdentities",
		"azure-native:network:Subnet":                       "Microsoft.Network/virtualNetworks/" + str("virtualNetworkName") + "/subnets",
		"azure-native:keyvault:Secret":                      "Microsoft.KeyVault/vaults/" + str("vaultName") + "/secrets",
		"azure-native:storage:BlobContainer":                "Microsoft.Storage/storageAccounts/" + str("accountName") + "/blobServices/default/containers",
		"azure-native:dbforpostgresql:Configuration":        "Microsoft.DBforPostgreSQL/flexibleServers/" + str("serverName") + "/configurations",
		"azure-native:dbforpostgresql:Database":             "Microsoft.DBforPostgreSQL/flexibleServers/" + str("serverName") + "/databases",
		"azure-native:network:VirtualNetworkLink":           "Microsoft.Network/privateDnsZones/" + str("privateZoneName") + "/virtualNetworkLinks",
		"azure-native:authorization:RoleAssignment":         "",
		"azure-native:authorization:ManagementLockByScope":  "",
		"azure-native:storage:Blob":                         "",
	}
	var id string
	switch p, known := provider[typ]; {
	case typ == "azure-native:resources:ResourceGroup":
		id = sub + "/resourceGroups/" + physical
	case typ == "azure-native:authorization:RoleAssignment" || typ == "azure-native:authorization:ManagementLockByScope":
		id = str("scope") + "/providers/Microsoft.Authorization/" + map[bool]string{true: "roleAssignments/", false: "locks/"}[strings.HasSuffix(typ, "RoleAssignment")] + h
	case known && p != "":
		id = fmt.Sprintf("%s/resourceGroups/%s/providers/%s/%s", sub, rg, p, physical)
	}
	switch typ {
	case "azure-native:web:WebApp", "azure-native:web/v20231201:WebApp":
		set("defaultHostName", physical+".azurewebsites.net")
		set("identity", map[string]any{"type": "SystemAssigned", "principalId": "44444444-4444-4444-4444-" + h + "0000", "tenantId": FakeAzureTenant})
	case "azure-native:managedidentity:UserAssignedIdentity":
		set("principalId", "55555555-5555-5555-5555-"+h+"0000")
		set("clientId", "66666666-6666-6666-6666-"+h+"0000")
	case "azure-native:dbforpostgresql:Server", "azure-native:dbforpostgresql/v20240801:Server":
		set("fullyQualifiedDomainName", physical+".postgres.database.azure.com")
	case "azure-native:insights:Component":
		set("connectionString", "InstrumentationKey="+h+";IngestionEndpoint=https://"+str("location")+".in.applicationinsights.azure.com/")
	case "azure-native:keyvault:Secret":
		set("properties", map[string]any{"secretUri": fmt.Sprintf("https://%s.vault.azure.net/secrets/%s", str("vaultName"), physical)})
	}
	return id
}
