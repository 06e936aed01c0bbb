package azure

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/keyvault/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/internal/azurenative"
)

// database creates the Flexible Server (private access, backups, Entra ID and
// password auth, PgBouncer on) or points at an existing one; it returns the host
// and the versionless Key Vault URI of the password.
func (d *deployer) database(vnet *network.VirtualNetwork, subnet *network.Subnet, vault *keyvault.Vault) (host, passwordURI pulumi.StringOutput, secretID pulumi.IDOutput, err error) {
	db := d.cfg.Database
	if !db.Creates() {
		// The secret lives outside this stack: grant the app's identity Key Vault
		// Secrets User on it yourself (docs/gcp-azure.md).
		return pulumi.String(d.a.ExistingServerFQDN).ToStringOutput(), pulumi.String(d.a.ExistingPasswordSecretURI).ToStringOutput(), secretID, nil
	}
	zone, err := network.NewPrivateZone(d.ctx, d.n("pg-dns"), &network.PrivateZoneArgs{
		ResourceGroupName: d.rg,
		Location:          pulumi.String("global"),
		PrivateZoneName:   pulumi.String(dnsLabel(d.ctx.Stack()) + ".private.postgres.database.azure.com"),
		Tags:              d.tags(),
	}, d.parent)
	if err != nil {
		return host, passwordURI, secretID, fmt.Errorf("private dns zone: %w", err)
	}
	link, err := network.NewVirtualNetworkLink(d.ctx, d.n("pg-dns-link"), &network.VirtualNetworkLinkArgs{
		ResourceGroupName:   d.rg,
		Location:            pulumi.String("global"),
		PrivateZoneName:     zone.Name,
		RegistrationEnabled: pulumi.Bool(false),
		VirtualNetwork:      &network.SubResourceArgs{Id: vnet.ID()},
	}, d.parent)
	if err != nil {
		return host, passwordURI, secretID, fmt.Errorf("private dns link: %w", err)
	}

	// Two generated passwords: the server admin's (used only to bootstrap roles, see
	// docs/gcp-azure.md) and the function's own read-only login, database.user.
	// Each is generated once, here, and lives only in the state (as a secret) and
	// in Key Vault. Later runs generate new candidates that ignoreChanges discards,
	// so the passwords do not churn; rotate in Key Vault and PostgreSQL together.
	adminPW, err := generatePassword()
	if err != nil {
		return host, passwordURI, secretID, err
	}
	appPW, err := generatePassword()
	if err != nil {
		return host, passwordURI, secretID, err
	}
	adminSecret := pulumi.ToSecret(pulumi.String(adminPW)).(pulumi.StringOutput)
	appSecret := pulumi.ToSecret(pulumi.String(appPW)).(pulumi.StringOutput)

	ha := "Disabled"
	if d.a.HighAvailability {
		ha = "ZoneRedundant"
	}
	// API 2024-08-01: the v2 default (2022-12-01) refuses PostgreSQL 16, and the API
	// version cannot change later without replacing the server (policy
	// azure-pg-api-version).
	server, err := azurenative.NewServerV20240801(d.ctx, d.n("pg"), &azurenative.ServerArgs{
		ResourceGroupName:          d.rg,
		Location:                   d.location(),
		Version:                    pulumi.String(db.EngineVersion),
		Sku:                        &azurenative.SkuArgs{Name: pulumi.String(d.a.DBSKU), Tier: pulumi.String(config.AzureDBTier(d.a.DBSKU))},
		Storage:                    &azurenative.StorageArgs{StorageSizeGB: pulumi.Int(db.StorageGB)},
		Backup:                     &azurenative.BackupArgs{BackupRetentionDays: pulumi.Int(db.BackupRetentionDays), GeoRedundantBackup: pulumi.String("Disabled")},
		HighAvailability:           &azurenative.HighAvailabilityArgs{Mode: pulumi.String(ha)},
		Network:                    &azurenative.NetworkArgs{DelegatedSubnetResourceId: subnet.ID(), PrivateDnsZoneArmResourceId: zone.ID()},
		AuthConfig:                 &azurenative.AuthConfigArgs{ActiveDirectoryAuth: pulumi.String("Enabled"), PasswordAuth: pulumi.String("Enabled"), TenantId: d.client.TenantId()},
		AdministratorLogin:         pulumi.String(AdminLogin),
		AdministratorLoginPassword: adminSecret,
		CreateMode:                 pulumi.String("Create"),
		Tags:                       d.tags(),
	}, d.parent, pulumi.DependsOn([]pulumi.Resource{link}), pulumi.IgnoreChanges([]string{"administratorLoginPassword"}))
	if err != nil {
		return host, passwordURI, secretID, fmt.Errorf("postgresql server: %w", err)
	}
	if db.DeletionProtection {
		// Flexible Server has no deletion-protection flag; a CanNotDelete lock is
		// Azure's equivalent (it also blocks `pulumi destroy` until removed).
		if _, err := authorization.NewManagementLockByScope(d.ctx, d.n("pg-lock"), &authorization.ManagementLockByScopeArgs{
			Scope: server.ID(),
			Level: pulumi.String("CanNotDelete"),
			Notes: pulumi.String("database.deletionProtection is true in the stack file"),
		}, d.parent); err != nil {
			return host, passwordURI, secretID, fmt.Errorf("server lock: %w", err)
		}
	}

	// Server parameters: the built-in PgBouncer in transaction mode, TLS only.
	// Azure applies one parameter change at a time per server, so they are chained.
	params := []struct{ name, value string }{
		{"require_secure_transport", "on"},
		{"ssl_min_protocol_version", "TLSv1.2"},
		{"pgbouncer.enabled", "true"},
		{"pgbouncer.pool_mode", "transaction"},
		{"pgbouncer.default_pool_size", strconv.Itoa(d.a.PgBouncerPoolSize)},
		{"pgbouncer.max_client_conn", strconv.Itoa(d.a.PgBouncerMaxClientConn)},
		{"log_connections", "on"},
		// One runaway sort or hash cannot fill the disk (issue 10), in kB.
		{"temp_file_limit", strconv.Itoa(config.TempFileLimitKB(db.StorageGB))},
	}
	prev := []pulumi.Resource{server}
	for _, p := range params {
		cfgRes, err := azurenative.NewConfiguration(d.ctx, d.n("pg-"+strings.NewReplacer(".", "-", "_", "-").Replace(p.name)), &azurenative.ConfigurationArgs{
			ResourceGroupName: d.rg,
			ServerName:        server.Name,
			ConfigurationName: pulumi.String(p.name),
			Value:             pulumi.String(p.value),
			Source:            pulumi.String("user-override"),
		}, d.parent, pulumi.DependsOn(prev))
		if err != nil {
			return host, passwordURI, secretID, fmt.Errorf("server parameter %s: %w", p.name, err)
		}
		prev = []pulumi.Resource{cfgRes}
	}
	if _, err := azurenative.NewDatabase(d.ctx, d.n("db"), &azurenative.DatabaseArgs{
		ResourceGroupName: d.rg,
		ServerName:        server.Name,
		DatabaseName:      pulumi.String(db.Name),
		Charset:           pulumi.String("UTF8"),
		Collation:         pulumi.String("en_US.utf8"),
	}, d.parent, pulumi.DependsOn(prev)); err != nil {
		return host, passwordURI, secretID, fmt.Errorf("database: %w", err)
	}
	// The admin password is kept for the operator's bootstrap only: the app's
	// identity is granted the function's own secrets, one by one, not this one.
	if _, err := keyvault.NewSecret(d.ctx, d.n("db-admin-password"), &keyvault.SecretArgs{
		ResourceGroupName: d.rg,
		VaultName:         vault.Name,
		SecretName:        pulumi.String("db-admin-password"),
		Properties:        &keyvault.SecretPropertiesArgs{Value: adminSecret, ContentType: pulumi.String("text/plain")},
	}, d.parent, pulumi.IgnoreChanges([]string{"properties.value"})); err != nil {
		return host, passwordURI, secretID, fmt.Errorf("db admin password secret: %w", err)
	}
	secret, err := keyvault.NewSecret(d.ctx, d.n("db-password"), &keyvault.SecretArgs{
		ResourceGroupName: d.rg,
		VaultName:         vault.Name,
		SecretName:        pulumi.String("db-password"),
		Properties:        &keyvault.SecretPropertiesArgs{Value: appSecret, ContentType: pulumi.String("text/plain")},
	}, d.parent, pulumi.IgnoreChanges([]string{"properties.value"}))
	if err != nil {
		return host, passwordURI, secretID, fmt.Errorf("db password secret: %w", err)
	}
	// The URI is not secret (the value behind it is); unsecret it so the reference is
	// visible in plans and policy checks.
	return server.FullyQualifiedDomainName, pulumi.Unsecret(secret.Properties.SecretUri()).(pulumi.StringOutput), secret.ID(), nil
}

// generatePassword returns 32 random characters from all four character classes
// (Azure requires three of them).
func generatePassword() (string, error) {
	classes := []string{"abcdefghijkmnopqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "-_.~"}
	all := strings.Join(classes, "")
	out := make([]byte, 0, 32)
	pick := func(set string) error {
		i, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return fmt.Errorf("generate password: %w", err)
		}
		out = append(out, set[i.Int64()])
		return nil
	}
	for _, c := range classes {
		if err := pick(c); err != nil {
			return "", err
		}
	}
	for len(out) < 32 {
		if err := pick(all); err != nil {
			return "", err
		}
	}
	return string(out), nil
}
