package policy

import (
	"regexp"
	"strings"
)

// Azure type tokens the checks look at (web and dbforpostgresql come from
// internal/azurenative with the official tokens).
const (
	azStorageAccount = "azure-native:storage:StorageAccount"
	azVault          = "azure-native:keyvault:Vault"
	azServer         = "azure-native:dbforpostgresql:Server"
	azServer20240801 = "azure-native:dbforpostgresql/v20240801:Server"
	azBlob           = "azure-native:storage:Blob"
	azServerParam    = "azure-native:dbforpostgresql:Configuration"
	azFirewallRule   = "azure-native:dbforpostgresql:FirewallRule"
	azRoleAssignment = "azure-native:authorization:RoleAssignment"
	azWorkspace      = "azure-native:operationalinsights:Workspace"
	azAppInsights    = "azure-native:insights:Component"
)

// azWebApps are the site tokens: the v2 default API version and the explicit
// 2023-12-01 version Flex Consumption needs.
var azWebApps = []string{"azure-native:web:WebApp", "azure-native:web/v20231201:WebApp"}

// azAllowedRoles are the built-in roles the app's identity may get, each on one resource.
var azAllowedRoles = map[string]string{
	"4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
	"b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
	// The deploying identity's, to upload the package with Entra auth.
	"ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
}

// azAppRoles are the roles the app's own identity needs at its first start.
var azAppRoles = map[string]bool{
	"4633458b-17de-408a-b874-0445c86b69e6": true,
	"b7e6dc6d-f1e8-4753-8033-0f276bb0955b": true,
}

// azSecretSettings must be Key Vault references, never values.
var azSecretSettings = []string{"DATABASE_PASSWORD", "API_KEYS"}

var sslRequired = regexp.MustCompile(`sslmode=(require|verify-ca|verify-full)\b`)

var kvReference = regexp.MustCompile(`^@Microsoft\.KeyVault\((SecretUri=https://|VaultName=)`)

// azureChecks are the Azure policies; checks in policy.go lists them with the other clouds'.
var azureChecks = []Check{
	Check{ID: "azure-encryption-at-rest", Description: "storage accounts are HTTPS/TLS 1.2 only with no public blobs and no shared keys; Key Vault uses RBAC and soft delete", Run: azEncryption},
	Check{ID: "azure-no-public-database", Description: "Flexible Servers use private access (delegated subnet), no firewall rule opens them", Run: azNoPublicDB},
	Check{ID: "azure-tls-to-database", Description: "servers require TLS 1.2+; apps connect with sslmode require or stricter through PgBouncer (6432)", Run: azTLS},
	Check{ID: "azure-secrets-via-key-vault", Description: "DATABASE_PASSWORD and API_KEYS app settings are Key Vault references", Run: azSecrets},
	Check{ID: "azure-least-privilege", Description: "role assignments use only Key Vault Secrets User / Storage Blob Data Owner, each scoped to one resource", Run: azLeastPrivilege},
	Check{ID: "azure-logs", Description: "Log Analytics has a retention; Application Insights is workspace-based; apps send telemetry to it", Run: azLogs},
	Check{ID: "azure-identity-before-app", Description: "apps resolve Key Vault references, the package and host storage with a user-assigned identity whose role assignments are created before the app", Run: azIdentityBeforeApp},
	Check{ID: "azure-no-shared-key-upload", Description: "no azure-native storage Blob (it writes with the account key) where accounts refuse shared keys", Run: azNoSharedKeyUpload},
	Check{ID: "azure-flex-scale", Description: "Flex Consumption maximumInstanceCount is 40-1000", Run: azFlexScale},
	Check{ID: "azure-pg-api-version", Description: "PostgreSQL 16 and later use the Flexible Server API 2024-08-01, not the v2 default 2022-12-01", Run: azPGAPIVersion},
	Check{ID: "azure-https-only", Description: "function apps are HTTPS only with TLS 1.2 and FTP disabled", Run: azHTTPS},
}

func azEncryption(rs []Resource) []Violation {
	var out []Violation
	for _, r := range OfType(rs, azStorageAccount) {
		if !r.Bool("enableHttpsTrafficOnly") {
			out = append(out, Violate(r, "enableHttpsTrafficOnly must be true"))
		}
		if r.String("minimumTlsVersion") != "TLS1_2" {
			out = append(out, Violate(r, "minimumTlsVersion must be TLS1_2, got %q", r.String("minimumTlsVersion")))
		}
		if v, set := r.Get("allowBlobPublicAccess"); !set || v != false {
			out = append(out, Violate(r, "allowBlobPublicAccess must be false"))
		}
		if v, set := r.Get("allowSharedKeyAccess"); !set || v != false {
			out = append(out, Violate(r, "allowSharedKeyAccess must be false (identity-based access only)"))
		}
	}
	for _, r := range OfType(rs, azVault) {
		if !r.Bool("properties.enableRbacAuthorization") {
			out = append(out, Violate(r, "properties.enableRbacAuthorization must be true"))
		}
		if !r.Bool("properties.enableSoftDelete") {
			out = append(out, Violate(r, "properties.enableSoftDelete must be true"))
		}
	}
	return out
}

func azNoPublicDB(rs []Resource) []Violation {
	var out []Violation
	for _, r := range azServers(rs) {
		if r.String("network.delegatedSubnetResourceId") == "" {
			out = append(out, Violate(r, "network.delegatedSubnetResourceId must be set (private access, no public endpoint)"))
		}
	}
	for _, r := range OfType(rs, azFirewallRule) {
		out = append(out, Violate(r, "no firewall rules: a private-access server is reached only from its virtual network (%s-%s)", r.String("startIpAddress"), r.String("endIpAddress")))
	}
	return out
}

// serverParam finds a server parameter's value ("" if not set by the stack).
func serverParam(rs []Resource, name string) string {
	for _, p := range OfType(rs, azServerParam) {
		if p.String("configurationName") == name {
			return p.String("value")
		}
	}
	return ""
}

func azTLS(rs []Resource) []Violation {
	var out []Violation
	for _, r := range azServers(rs) {
		if v := serverParam(rs, "require_secure_transport"); v != "on" {
			out = append(out, Violate(r, "server parameter require_secure_transport must be on, got %q", v))
		}
		if v := serverParam(rs, "ssl_min_protocol_version"); v != "TLSv1.2" && v != "TLSv1.3" {
			out = append(out, Violate(r, "server parameter ssl_min_protocol_version must be TLSv1.2 or TLSv1.3, got %q", v))
		}
	}
	for _, r := range azApps(rs) {
		url := appSetting(r, "DATABASE_URL")
		if url == "" {
			continue
		}
		if !sslRequired.MatchString(url) {
			out = append(out, Violate(r, "DATABASE_URL must use sslmode=require or stricter"))
		}
		if passwordInURL.MatchString(url) {
			out = append(out, Violate(r, "DATABASE_URL must not carry a password (DATABASE_PASSWORD is a Key Vault reference)"))
		}
	}
	return out
}

func azSecrets(rs []Resource) []Violation {
	var out []Violation
	for _, r := range azApps(rs) {
		for _, name := range azSecretSettings {
			v, set := appSettingOK(r, name)
			if set && !kvReference.MatchString(v) {
				out = append(out, Violate(r, "app setting %s must be a Key Vault reference @Microsoft.KeyVault(SecretUri=...), not a value", name))
			}
		}
	}
	return out
}

func azLeastPrivilege(rs []Resource) []Violation {
	var out []Violation
	for _, r := range OfType(rs, azRoleAssignment) {
		def := r.String("roleDefinitionId")
		guid := def[strings.LastIndex(def, "/")+1:]
		if _, ok := azAllowedRoles[guid]; !ok {
			out = append(out, Violate(r, "role %s is not allowed (allowed: Key Vault Secrets User, Storage Blob Data Owner, Storage Blob Data Contributor)", def))
		}
		// One resource: /subscriptions/../resourceGroups/../providers/<ns>/<type>/<name>.
		if scope := r.String("scope"); !strings.Contains(scope, "/providers/") {
			out = append(out, Violate(r, "scope %q is a subscription or resource group; scope the role to one resource", scope))
		}
	}
	return out
}

func azLogs(rs []Resource) []Violation {
	var out []Violation
	for _, r := range OfType(rs, azWorkspace) {
		if r.Number("retentionInDays") < 1 {
			out = append(out, Violate(r, "retentionInDays must be set"))
		}
	}
	for _, r := range OfType(rs, azAppInsights) {
		if r.String("workspaceResourceId") == "" {
			out = append(out, Violate(r, "Application Insights must be workspace-based (workspaceResourceId)"))
		}
	}
	for _, r := range azApps(rs) {
		if appSetting(r, "APPLICATIONINSIGHTS_CONNECTION_STRING") == "" {
			out = append(out, Violate(r, "APPLICATIONINSIGHTS_CONNECTION_STRING must be set"))
		}
	}
	return out
}

func azHTTPS(rs []Resource) []Violation {
	var out []Violation
	for _, r := range azApps(rs) {
		if !r.Bool("httpsOnly") {
			out = append(out, Violate(r, "httpsOnly must be true"))
		}
		if v := r.String("siteConfig.minTlsVersion"); v != "1.2" && v != "1.3" {
			out = append(out, Violate(r, "siteConfig.minTlsVersion must be 1.2 or 1.3, got %q", v))
		}
		if v := r.String("siteConfig.ftpsState"); v != "Disabled" {
			out = append(out, Violate(r, "siteConfig.ftpsState must be Disabled, got %q", v))
		}
	}
	return out
}

func azApps(rs []Resource) []Resource {
	var out []Resource
	for _, t := range azWebApps {
		out = append(out, OfType(rs, t)...)
	}
	return out
}

func appSettingOK(r Resource, name string) (string, bool) {
	v, _ := r.Get("siteConfig.appSettings")
	list, _ := v.([]any)
	for _, x := range list {
		m, _ := x.(map[string]any)
		if m["name"] == name {
			s, _ := m["value"].(string)
			return s, true
		}
	}
	return "", false
}

func appSetting(r Resource, name string) string {
	s, _ := appSettingOK(r, name)
	return s
}

func azServers(rs []Resource) []Resource {
	return append(OfType(rs, azServer), OfType(rs, azServer20240801)...)
}

// Evidence for azure-identity-before-app: MicrosoftDocs
// articles/app-service/app-service-key-vault-references.md, "If a reference is not
// resolved properly, the reference value will be used instead", "App Service caches
// the values ... re-fetches it every 24 hours", and "a user-assigned identity can be
// created and given access to the vault in advance".
func azIdentityBeforeApp(rs []Resource) []Violation {
	var out []Violation
	var grants []Resource
	for _, r := range OfType(rs, azRoleAssignment) {
		def := r.String("roleDefinitionId")
		if azAppRoles[def[strings.LastIndex(def, "/")+1:]] {
			grants = append(grants, r)
		}
	}
	for _, app := range azApps(rs) {
		typ := r0(app.String("identity.type"))
		ids, _ := app.Get("identity.userAssignedIdentities")
		list, _ := ids.([]any)
		if !strings.Contains(typ, "UserAssigned") || len(list) == 0 {
			out = append(out, Violate(app, "identity.type %q: a system-assigned identity exists only with the app, so its grants come after the first start; use a user-assigned identity granted first", typ))
		}
		refs := false
		for _, name := range azSecretSettings {
			if v, ok := appSettingOK(app, name); ok && kvReference.MatchString(v) {
				refs = true
			}
		}
		if refs && app.String("keyVaultReferenceIdentity") == "" {
			out = append(out, Violate(app, "keyVaultReferenceIdentity must name the user-assigned identity (Key Vault references default to the system identity)"))
		}
		for _, g := range grants {
			if !app.Needs(g.Name) {
				out = append(out, Violate(app, "is not created after role assignment %s (DependsOn): the first start would resolve references without access", g.Name))
			}
		}
		if mi := appSetting(app, "WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID"); mi == "SystemAssigned" {
			out = append(out, Violate(app, "WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID must be the user-assigned identity's resource id"))
		}
		if auth := app.String("functionAppConfig.deployment.storage.authentication.type"); auth == "SystemAssignedIdentity" {
			out = append(out, Violate(app, "functionAppConfig deployment storage must use the user-assigned identity"))
		}
	}
	return out
}

func r0(s string) string { return strings.TrimSpace(s) }

// Evidence for azure-no-shared-key-upload: https://github.com/pulumi/pulumi-azure-native/issues/2015
// (403 KeyBasedAuthenticationNotPermitted) and pulumi-azure-native PR #3719 (v2
// keeps key-based blob writes).
func azNoSharedKeyUpload(rs []Resource) []Violation {
	noKeys := false
	for _, r := range OfType(rs, azStorageAccount) {
		if v, set := r.Get("allowSharedKeyAccess"); set && v == false {
			noKeys = true
		}
	}
	if !noKeys {
		return nil
	}
	var out []Violation
	for _, r := range OfType(rs, azBlob) {
		out = append(out, Violate(r, "azure-native's Blob uploads with the account key, which an account with allowSharedKeyAccess false refuses (403); publish with Entra auth after `pulumi up` (deployCommand)"))
	}
	return out
}

// Evidence for azure-flex-scale: MicrosoftDocs flex-consumption-plan.md ("The lowest
// maximum scale ... is 40. The highest currently supported value is 1000"),
// MicrosoftDocs/azure-docs PR #128255, Azure/azure-functions-host#10523.
func azFlexScale(rs []Resource) []Violation {
	var out []Violation
	for _, r := range OfType(rs, "azure-native:web/v20231201:WebApp") {
		v, ok := r.Get("functionAppConfig.scaleAndConcurrency.maximumInstanceCount")
		if !ok {
			continue
		}
		if n, _ := v.(float64); n < 40 || n > 1000 {
			out = append(out, Violate(r, "functionAppConfig.scaleAndConcurrency.maximumInstanceCount %v: Flex Consumption accepts 40-1000 in most regions", v))
		}
	}
	return out
}

// Evidence for azure-pg-api-version: azure-rest-api-specs#24186 (version 15+ kept out
// of 2022-12-01), hashicorp/terraform-provider-azurerm#25344 ("The value of the
// 'Version' should be in: [13,14,15]"), and the 2024-08-01 ServerVersion enum in
// https://learn.microsoft.com/azure/templates/microsoft.dbforpostgresql/2024-08-01/flexibleservers
func azPGAPIVersion(rs []Resource) []Violation {
	var out []Violation
	for _, r := range OfType(rs, azServer) {
		if v := r.String("version"); v >= "16" && len(v) >= 2 {
			out = append(out, Violate(r, "PostgreSQL %s on API 2022-12-01 (the v2 default token) is refused; use azure-native:dbforpostgresql/v20240801:Server before the first deploy (changing it later replaces the server)", v))
		}
	}
	return out
}
