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
}

// azSecretSettings must be Key Vault references, never values.
var azSecretSettings = []string{"DATABASE_PASSWORD", "API_KEYS"}

var sslRequired = regexp.MustCompile(`sslmode=(require|verify-ca|verify-full)\b`)

var kvReference = regexp.MustCompile(`^@Microsoft\.KeyVault\((SecretUri=https://|VaultName=)`)

func init() {
	Register(
		Check{ID: "azure-encryption-at-rest", Description: "storage accounts are HTTPS/TLS 1.2 only with no public blobs and no shared keys; Key Vault uses RBAC and soft delete", Run: azEncryption},
		Check{ID: "azure-no-public-database", Description: "Flexible Servers use private access (delegated subnet), no firewall rule opens them", Run: azNoPublicDB},
		Check{ID: "azure-tls-to-database", Description: "servers require TLS 1.2+; apps connect with sslmode require or stricter through PgBouncer (6432)", Run: azTLS},
		Check{ID: "azure-secrets-via-key-vault", Description: "DATABASE_PASSWORD and API_KEYS app settings are Key Vault references", Run: azSecrets},
		Check{ID: "azure-least-privilege", Description: "role assignments use only Key Vault Secrets User / Storage Blob Data Owner, each scoped to one resource", Run: azLeastPrivilege},
		Check{ID: "azure-logs", Description: "Log Analytics has a retention; Application Insights is workspace-based; apps send telemetry to it", Run: azLogs},
		Check{ID: "azure-https-only", Description: "function apps are HTTPS only with TLS 1.2 and FTP disabled", Run: azHTTPS},
	)
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
	for _, r := range OfType(rs, azServer) {
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
	for _, r := range OfType(rs, azServer) {
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
			out = append(out, Violate(r, "role %s is not allowed (allowed: Key Vault Secrets User, Storage Blob Data Owner)", def))
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
