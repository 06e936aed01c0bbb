// Package azure declares the connector on Azure: a Linux Function App running the
// custom-handler package on a Flex Consumption, Elastic Premium or Dedicated plan,
// a PostgreSQL Flexible Server with its built-in PgBouncer reached over a private
// virtual network, secrets only as Key Vault references, and Application Insights
// on a Log Analytics workspace.
//
// The web and dbforpostgresql resources come from internal/azurenative (their
// official Go modules cannot be fetched here); see that package for how to swap
// the official ones in without replacing anything.
package azure

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/keyvault/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/outputs"
	"github.com/ai-agent-connector/ai-agent-connector/internal/azurenative"
)

// Type is the component's type token.
const Type = "ai-agent-connector:azure:Connector"

// AdminLogin is the Flexible Server administrator. The function never uses it: it
// logs in as database.user, a read-only role created once with the bootstrap SQL in
// docs/gcp-azure.md.
const AdminLogin = "aacadmin"

// Built-in Azure role definition ids (the same GUID in every tenant).
const (
	roleKeyVaultSecretsUser    = "4633458b-17de-408a-b874-0445c86b69e6"
	roleStorageBlobDataOwner   = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
	roleStorageBlobDataContrib = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
	pgBouncerPort              = 6432
	deploymentContainer        = "deployments"
	functionsExtensionVersion  = "~4"
)

// Connector is the deployed Azure stack.
type Connector struct {
	pulumi.ResourceState

	// URL is the function app's HTTPS base URL.
	URL pulumi.StringOutput `pulumi:"url"`
	// AppName is the Function App's name.
	AppName pulumi.StringOutput `pulumi:"appName"`
	// ResourceGroupName holds every resource of the stack.
	ResourceGroupName pulumi.StringOutput `pulumi:"resourceGroupName"`
	// DatabaseHost is the server's private host name (PgBouncer on port 6432).
	DatabaseHost pulumi.StringOutput `pulumi:"databaseHost"`
	// DeployCommand publishes the package (needed on Flex Consumption, whose code
	// deployment is a OneDeploy call; the other plans run from the uploaded blob).
	DeployCommand pulumi.StringOutput `pulumi:"deployCommand"`
	// IdentityPrincipalID is the object id of the app's user-assigned identity: grant
	// it Key Vault Secrets User on an existing database's password secret.
	IdentityPrincipalID pulumi.StringOutput `pulumi:"identityPrincipalId"`
	// ColdStartCommand measures this stack's cold start.
	ColdStartCommand pulumi.StringOutput `pulumi:"coldStartCommand"`
}

// Outputs are the connector's outputs by name: the tagged fields that are set.
func (c *Connector) Outputs() pulumi.Map { return outputs.Of(c) }

// New declares the connector from a validated config and the "azure" package.
func New(ctx *pulumi.Context, name string, cfg *config.Config, art build.Artifact, opts ...pulumi.ResourceOption) (*Connector, error) {
	if cfg.Cloud != config.CloudAzure {
		return nil, fmt.Errorf("azure connector: config is for cloud %q", cfg.Cloud)
	}
	if art.Target.Platform != build.Azure {
		return nil, fmt.Errorf("azure connector: artifact is for platform %q, want %q", art.Target.Platform, build.Azure)
	}
	c := &Connector{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, fmt.Errorf("azure connector: %w", err)
	}
	d := &deployer{ctx: ctx, name: name, cfg: cfg, a: cfg.Azure, art: art, parent: pulumi.Parent(c)}
	if err := d.declare(c); err != nil {
		return nil, fmt.Errorf("azure connector: %w", err)
	}
	if err := ctx.RegisterResourceOutputs(c, c.Outputs()); err != nil {
		return nil, fmt.Errorf("azure connector: %w", err)
	}
	return c, nil
}

type deployer struct {
	ctx    *pulumi.Context
	name   string
	cfg    *config.Config
	a      config.Azure
	art    build.Artifact
	parent pulumi.ResourceOption

	rg     pulumi.StringOutput
	client authorization.GetClientConfigResultOutput
}

func (d *deployer) n(suffix string) string { return d.name + "-" + suffix }

func (d *deployer) tags() pulumi.StringMap {
	return pulumi.StringMap{"app": pulumi.String("ai-agent-connector"), "stack": pulumi.String(d.ctx.Stack())}
}

func (d *deployer) location() pulumi.StringPtrInput { return pulumi.String(d.a.Location) }

// roleID is the subscription-scoped id of a built-in role definition.
func (d *deployer) roleID(guid string) pulumi.StringOutput {
	return d.client.SubscriptionId().ApplyT(func(sub string) string {
		return "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/" + guid
	}).(pulumi.StringOutput)
}

func (d *deployer) declare(c *Connector) error {
	d.client = authorization.GetClientConfigOutput(d.ctx)
	rg, err := resources.NewResourceGroup(d.ctx, d.n("rg"), &resources.ResourceGroupArgs{
		Location: d.location(),
		Tags:     d.tags(),
	}, d.parent)
	if err != nil {
		return fmt.Errorf("resource group: %w", err)
	}
	d.rg = rg.Name

	appInsights, err := d.monitoring()
	if err != nil {
		return err
	}
	sa, blobURL, containerURL, err := d.storage()
	if err != nil {
		return err
	}
	funcSubnet, dbSubnet, vnet, err := d.network()
	if err != nil {
		return err
	}
	vault, err := d.vault()
	if err != nil {
		return err
	}
	dbHost, passwordRef, passwordID, err := d.database(vnet, dbSubnet, vault)
	if err != nil {
		return err
	}
	apiKeysRef, apiKeysID, err := d.apiKeys(vault)
	if err != nil {
		return err
	}

	// A user-assigned identity exists before the app, so its grants are in place at
	// the app's first start: Key Vault references, the package fetch and host storage
	// are resolved then, and an unresolved reference reaches the process as its
	// literal text and is cached for up to 24 h (app-service-key-vault-references.md:
	// "a user-assigned identity can be created and given access to the vault in
	// advance"). The app depends on every grant (policy azure-identity-before-app).
	id, err := azurenative.NewUserAssignedIdentity(d.ctx, d.n("id"), &azurenative.UserAssignedIdentityArgs{
		ResourceGroupName: d.rg,
		Location:          d.location(),
		Tags:              d.tags(),
	}, d.parent)
	if err != nil {
		return fmt.Errorf("user-assigned identity: %w", err)
	}
	type grant struct {
		suffix, role string
		scope        pulumi.StringInput
	}
	grants := []grant{{"blob-owner", roleStorageBlobDataOwner, sa.ID()}}
	if d.cfg.Database.Creates() {
		grants = append(grants, grant{"kv-db-password", roleKeyVaultSecretsUser, passwordID})
	}
	if d.cfg.APIKeys.IsSet() {
		grants = append(grants, grant{"kv-api-keys", roleKeyVaultSecretsUser, apiKeysID})
	}
	var granted []pulumi.Resource
	for _, g := range grants {
		ra, err := authorization.NewRoleAssignment(d.ctx, d.n(g.suffix), &authorization.RoleAssignmentArgs{
			PrincipalId:      id.PrincipalId,
			PrincipalType:    pulumi.String("ServicePrincipal"),
			RoleDefinitionId: d.roleID(g.role),
			Scope:            g.scope,
		}, d.parent)
		if err != nil {
			return fmt.Errorf("role %s: %w", g.suffix, err)
		}
		granted = append(granted, ra)
	}
	if d.a.Plan != config.AzurePlanFlex {
		// The deploying identity uploads the package blob with Entra auth (no keys).
		if _, err := authorization.NewRoleAssignment(d.ctx, d.n("deployer-blob"), &authorization.RoleAssignmentArgs{
			PrincipalId:      d.client.ObjectId(),
			RoleDefinitionId: d.roleID(roleStorageBlobDataContrib),
			Scope:            sa.ID(),
		}, d.parent); err != nil {
			return fmt.Errorf("role deployer-blob: %w", err)
		}
	}

	settings := []azurenative.NameValuePairArgs{
		// Identity-based host storage with the user-assigned identity: no account key.
		setting("AzureWebJobsStorage__accountName", sa.Name),
		setting("AzureWebJobsStorage__credential", pulumi.String("managedidentity")),
		setting("AzureWebJobsStorage__clientId", id.ClientId),
		// The catch-all route cannot shadow the Functions home page at "/".
		setting("AzureWebJobsDisableHomepage", pulumi.String("true")),
		setting("APPLICATIONINSIGHTS_CONNECTION_STRING", appInsights),
		// An HTTP function must answer within 230 s anyway; this bounds it by the stack's timeout.
		setting("AzureFunctionsJobHost__functionTimeout", pulumi.String(hms(d.cfg.TimeoutSeconds))),
		// PgBouncer in transaction mode: no password in the URL, port 6432, TLS required.
		// verify-full: the server's certificate chains to a public root in the
		// host image's CA store and names the server's FQDN, which dbHost is.
		setting("DATABASE_URL", pulumi.Sprintf("host=%s port=%d dbname=%s user=%s sslmode=verify-full", dbHost, pgBouncerPort, d.cfg.Database.Name, d.cfg.Database.User)),
		// Key Vault references, resolved with keyVaultReferenceIdentity; the values
		// never appear in app settings, logs or this program's state. The function
		// refuses to start on a value that is still a reference.
		setting("DATABASE_PASSWORD", pulumi.Sprintf("@Microsoft.KeyVault(SecretUri=%s)", passwordRef)),
	}
	for _, e := range d.cfg.FunctionEnv() {
		settings = append(settings, setting(e.Name, pulumi.String(e.Value)))
	}
	if d.cfg.APIKeys.IsSet() {
		settings = append(settings, setting("API_KEYS", pulumi.Sprintf("@Microsoft.KeyVault(SecretUri=%s)", apiKeysRef)))
	}

	app, err := d.functionApp(settings, funcSubnet, blobURL, containerURL, id, granted)
	if err != nil {
		return err
	}

	c.URL = pulumi.Sprintf("https://%s", app.DefaultHostName)
	c.AppName = app.Name
	c.ResourceGroupName = rg.Name
	c.DatabaseHost = dbHost
	c.DeployCommand = DeployCommand(d.a.Plan, rg.Name, app.Name, sa.Name, d.art)
	c.IdentityPrincipalID = id.PrincipalId
	c.ColdStartCommand = pulumi.Sprintf("go run ./scripts/coldstart --stack %s --url https://%s", d.ctx.Stack(), app.DefaultHostName)
	return nil
}

// PackageBlobName is the deployment package's blob name: unchanged code keeps its URL.
func PackageBlobName(sha256 string) string { return "function-" + sha256 + ".zip" }

func setting(name string, value pulumi.StringInput) azurenative.NameValuePairArgs {
	return azurenative.NameValuePairArgs{Name: pulumi.String(name), Value: value}
}

// monitoring creates the Log Analytics workspace (retention from logRetentionDays)
// and a workspace-based Application Insights; it returns the connection string.
func (d *deployer) monitoring() (pulumi.StringOutput, error) {
	ws, err := operationalinsights.NewWorkspace(d.ctx, d.n("logs"), &operationalinsights.WorkspaceArgs{
		ResourceGroupName: d.rg,
		Location:          d.location(),
		RetentionInDays:   pulumi.Int(d.cfg.LogRetentionDays),
		Sku:               &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
		Tags:              d.tags(),
	}, d.parent)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("log analytics: %w", err)
	}
	ai, err := insights.NewComponent(d.ctx, d.n("ai"), &insights.ComponentArgs{
		ResourceGroupName:   d.rg,
		Location:            d.location(),
		Kind:                pulumi.String("web"),
		ApplicationType:     pulumi.String("web"),
		IngestionMode:       pulumi.String("LogAnalytics"),
		WorkspaceResourceId: ws.ID(),
		Tags:                d.tags(),
	}, d.parent)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("application insights: %w", err)
	}
	return ai.ConnectionString, nil
}

// storage creates the host/package storage account (HTTPS only, TLS 1.2, no public
// blob access, no shared keys: every access is by Entra identity) and the container
// the package is published to, under a name carrying its SHA-256.
func (d *deployer) storage() (*storage.StorageAccount, pulumi.StringOutput, pulumi.StringOutput, error) {
	var none pulumi.StringOutput
	sa, err := storage.NewStorageAccount(d.ctx, alnum(d.name, 11)+"sa", &storage.StorageAccountArgs{
		ResourceGroupName:      d.rg,
		Location:               d.location(),
		Kind:                   pulumi.String("StorageV2"),
		Sku:                    &storage.SkuArgs{Name: pulumi.String("Standard_LRS")},
		EnableHttpsTrafficOnly: pulumi.Bool(true),
		MinimumTlsVersion:      pulumi.String("TLS1_2"),
		AllowBlobPublicAccess:  pulumi.Bool(false),
		AllowSharedKeyAccess:   pulumi.Bool(false),
		// Azure Storage encrypts at rest always; identity-only access via OAuth by default.
		DefaultToOAuthAuthentication: pulumi.Bool(true),
		Tags:                         d.tags(),
	}, d.parent)
	if err != nil {
		return nil, none, none, fmt.Errorf("storage account: %w", err)
	}
	container, err := storage.NewBlobContainer(d.ctx, d.n("deployments"), &storage.BlobContainerArgs{
		ResourceGroupName: d.rg,
		AccountName:       sa.Name,
		ContainerName:     pulumi.String(deploymentContainer),
		PublicAccess:      storage.PublicAccessNone,
	}, d.parent)
	if err != nil {
		return nil, none, none, fmt.Errorf("deployment container: %w", err)
	}
	// No storage.Blob: azure-native's Blob writes with the account key, which this
	// account refuses (pulumi/pulumi-azure-native#2015, 403
	// KeyBasedAuthenticationNotPermitted). The package is published after
	// `pulumi up` with Entra auth: the DeployCommand output, run by the deploy
	// workflow (policy azure-no-shared-key-upload).
	_ = container
	blobName := PackageBlobName(d.art.SHA256)
	containerURL := pulumi.Sprintf("https://%s.blob.core.windows.net/%s", sa.Name, deploymentContainer)
	blobURL := pulumi.Sprintf("%s/%s", containerURL, blobName)
	return sa, blobURL, containerURL, nil
}

// network creates the virtual network: one subnet for the app's outbound VNet
// integration, one delegated to the database (private access: no public endpoint).
func (d *deployer) network() (funcSubnet, dbSubnet *network.Subnet, vnet *network.VirtualNetwork, err error) {
	prefix := strings.TrimSuffix(d.a.VnetCidr, ".0.0/16") // validated x.y.0.0/16
	vnet, err = network.NewVirtualNetwork(d.ctx, d.n("vnet"), &network.VirtualNetworkArgs{
		ResourceGroupName: d.rg,
		Location:          d.location(),
		AddressSpace:      &network.AddressSpaceArgs{AddressPrefixes: pulumi.StringArray{pulumi.String(d.a.VnetCidr)}},
		Tags:              d.tags(),
	}, d.parent, pulumi.IgnoreChanges([]string{"subnets"})) // subnets are their own resources
	if err != nil {
		return nil, nil, nil, fmt.Errorf("vnet: %w", err)
	}
	// Flex Consumption integrates through Container Apps environments; the other
	// plans through server farms.
	funcDelegation := "Microsoft.Web/serverFarms"
	if d.a.Plan == config.AzurePlanFlex {
		funcDelegation = "Microsoft.App/environments"
	}
	funcSubnet, err = network.NewSubnet(d.ctx, d.n("snet-func"), &network.SubnetArgs{
		ResourceGroupName:  d.rg,
		VirtualNetworkName: vnet.Name,
		AddressPrefix:      pulumi.String(prefix + ".1.0/24"),
		Delegations: network.DelegationArray{&network.DelegationArgs{
			Name: pulumi.String("functions"), ServiceName: pulumi.String(funcDelegation),
		}},
	}, d.parent)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("function subnet: %w", err)
	}
	dbSubnet, err = network.NewSubnet(d.ctx, d.n("snet-db"), &network.SubnetArgs{
		ResourceGroupName:  d.rg,
		VirtualNetworkName: vnet.Name,
		AddressPrefix:      pulumi.String(prefix + ".2.0/24"),
		Delegations: network.DelegationArray{&network.DelegationArgs{
			Name: pulumi.String("postgres"), ServiceName: pulumi.String("Microsoft.DBforPostgreSQL/flexibleServers"),
		}},
	}, d.parent, pulumi.DependsOn([]pulumi.Resource{funcSubnet})) // subnets of one VNet change one at a time
	if err != nil {
		return nil, nil, nil, fmt.Errorf("database subnet: %w", err)
	}
	return funcSubnet, dbSubnet, vnet, nil
}

// vault is the Key Vault holding the database password and API keys, with RBAC
// authorization (no access policies), soft delete, and purge protection on stacks
// with deletion protection.
func (d *deployer) vault() (*keyvault.Vault, error) {
	props := &keyvault.VaultPropertiesArgs{
		TenantId:                d.client.TenantId(),
		Sku:                     &keyvault.SkuArgs{Family: pulumi.String("A"), Name: keyvault.SkuNameStandard},
		EnableRbacAuthorization: pulumi.Bool(true),
		EnableSoftDelete:        pulumi.Bool(true),
		// Once on, purge protection cannot be turned off: only where asked for.
		SoftDeleteRetentionInDays: pulumi.Int(90),
	}
	if d.cfg.Database.DeletionProtection {
		props.EnablePurgeProtection = pulumi.Bool(true)
	}
	v, err := keyvault.NewVault(d.ctx, alnumDash(d.name, 12)+"-kv", &keyvault.VaultArgs{
		ResourceGroupName: d.rg,
		Location:          d.location(),
		Properties:        props,
		Tags:              d.tags(),
	}, d.parent)
	if err != nil {
		return nil, fmt.Errorf("key vault: %w", err)
	}
	return v, nil
}

// database creates the Flexible Server (private access, backups, Entra ID and
// password auth, PgBouncer on) or points at an existing one; it returns the host
// and the versionless Key Vault URI of the password.
func (d *deployer) database(vnet *network.VirtualNetwork, subnet *network.Subnet, vault *keyvault.Vault) (host, passwordURI pulumi.StringOutput, secretID pulumi.IDOutput, err error) {
	db := d.cfg.Database
	if !db.Creates() {
		// The secret lives outside this stack: grant the app's identity Key Vault
		// Secrets User on it yourself (docs/gcp-azure.md).
		return pulumi.String(d.a.ExistingServerFqdn).ToStringOutput(), pulumi.String(d.a.ExistingPasswordSecretUri).ToStringOutput(), secretID, nil
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
		Sku:                        &azurenative.SkuArgs{Name: pulumi.String(d.a.DBSku), Tier: pulumi.String(config.AzureDBTier(d.a.DBSku))},
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

// apiKeys stores API_KEYS in Key Vault (nil when apiKeys is not configured yet).
func (d *deployer) apiKeys(vault *keyvault.Vault) (pulumi.StringOutput, pulumi.IDOutput, error) {
	if !d.cfg.APIKeys.IsSet() {
		return pulumi.StringOutput{}, pulumi.IDOutput{}, nil
	}
	secret, err := keyvault.NewSecret(d.ctx, d.n("api-keys"), &keyvault.SecretArgs{
		ResourceGroupName: d.rg,
		VaultName:         vault.Name,
		SecretName:        pulumi.String("api-keys"),
		Properties:        &keyvault.SecretPropertiesArgs{Value: d.cfg.APIKeys.Output(), ContentType: pulumi.String("text/plain")},
	}, d.parent)
	if err != nil {
		return pulumi.StringOutput{}, pulumi.IDOutput{}, fmt.Errorf("api-keys secret: %w", err)
	}
	return pulumi.Unsecret(secret.Properties.SecretUri()).(pulumi.StringOutput), secret.ID(), nil
}

// functionApp creates the plan and the Linux Function App for the configured plan.
func (d *deployer) functionApp(settings []azurenative.NameValuePairArgs, subnet *network.Subnet, blobURL, containerURL pulumi.StringOutput, id *azurenative.UserAssignedIdentity, grants []pulumi.Resource) (*azurenative.WebApp, error) {
	skuName, skuTier := d.a.AzurePlanSku()
	planArgs := &azurenative.AppServicePlanArgs{
		ResourceGroupName: d.rg,
		Location:          d.location(),
		Reserved:          pulumi.Bool(true), // Linux
		Sku:               &azurenative.SkuDescriptionArgs{Name: pulumi.String(skuName), Tier: pulumi.String(skuTier)},
		Tags:              d.tags(),
	}
	site := &azurenative.SiteConfigArgs{
		MinTlsVersion:    pulumi.String("1.2"),
		ScmMinTlsVersion: pulumi.String("1.2"),
		FtpsState:        pulumi.String("Disabled"),
		Http20Enabled:    pulumi.Bool(true),
	}
	if d.a.Plan != config.AzurePlanFlex {
		// Flex Consumption has no health check and always routes outbound traffic
		// through the integrated VNet; the other plans need both set.
		site.HealthCheckPath = pulumi.String("/health")
		site.VnetRouteAllEnabled = pulumi.Bool(true)
	}
	appArgs := &azurenative.WebAppArgs{
		ResourceGroupName: d.rg,
		Location:          d.location(),
		Kind:              pulumi.String("functionapp,linux"),
		Reserved:          pulumi.Bool(true),
		HttpsOnly:         pulumi.Bool(true),
		Identity: &azurenative.ManagedServiceIdentityArgs{
			Type:                   pulumi.String("UserAssigned"),
			UserAssignedIdentities: pulumi.StringArray{id.ID().ToStringOutput()},
		},
		KeyVaultReferenceIdentity: id.ID().ToStringOutput(),
		VirtualNetworkSubnetId:    subnet.ID(),
		SiteConfig:                site,
		Tags:                      d.tags(),
	}

	var (
		plan *azurenative.AppServicePlan
		err  error
	)
	switch d.a.Plan {
	case config.AzurePlanFlex:
		planArgs.Kind = pulumi.String("functionapp")
		plan, err = azurenative.NewAppServicePlanV20231201(d.ctx, d.n("plan"), planArgs, d.parent)
		if err != nil {
			return nil, fmt.Errorf("flex plan: %w", err)
		}
		scale := &azurenative.FunctionsScaleAndConcurrencyArgs{
			InstanceMemoryMB:     pulumi.Float64(float64(d.cfg.MemoryMB)),
			MaximumInstanceCount: pulumi.Float64(float64(d.cfg.MaxInstances)),
		}
		if d.cfg.WarmInstances > 0 {
			// Always-ready instances for the HTTP trigger group.
			scale.AlwaysReady = []azurenative.FunctionsAlwaysReadyConfigArgs{{
				Name: pulumi.String("http"), InstanceCount: pulumi.Float64(float64(d.cfg.WarmInstances)),
			}}
		}
		appArgs.FunctionAppConfig = &azurenative.FunctionAppConfigArgs{
			Runtime:             &azurenative.FunctionsRuntimeArgs{Name: pulumi.String("custom"), Version: pulumi.String("1.0")},
			ScaleAndConcurrency: scale,
			Deployment: &azurenative.FunctionsDeploymentArgs{Storage: &azurenative.FunctionsDeploymentStorageArgs{
				Type:  pulumi.String("blobContainer"),
				Value: containerURL,
				Authentication: &azurenative.FunctionsDeploymentAuthenticationArgs{
					Type:                           pulumi.String("UserAssignedIdentity"),
					UserAssignedIdentityResourceId: id.ID().ToStringOutput(),
				},
			}},
		}
		// Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION:
		// the runtime lives in functionAppConfig.
		site.AppSettings = settings
		appArgs.ServerFarmId = plan.ID().ToStringOutput()
		return azurenative.NewWebAppV20231201(d.ctx, d.n("app"), appArgs, d.parent, pulumi.DependsOn(grants))

	case config.AzurePlanPremium:
		planArgs.Kind = pulumi.String("elastic")
		planArgs.MaximumElasticWorkerCount = pulumi.Int(d.cfg.MaxInstances)
		plan, err = azurenative.NewAppServicePlan(d.ctx, d.n("plan"), planArgs, d.parent)
		if err != nil {
			return nil, fmt.Errorf("premium plan: %w", err)
		}
		// Always-ready instances (minimum elastic instance count) plus one pre-warmed
		// buffer instance, so scale-out also lands on a warm instance.
		site.MinimumElasticInstanceCount = pulumi.Int(d.cfg.WarmInstances)
		site.PreWarmedInstanceCount = pulumi.Int(1)
		site.FunctionAppScaleLimit = pulumi.Int(d.cfg.MaxInstances)

	default: // dedicated
		planArgs.Kind = pulumi.String("linux")
		planArgs.Sku.Capacity = pulumi.Int(max(1, d.cfg.WarmInstances))
		plan, err = azurenative.NewAppServicePlan(d.ctx, d.n("plan"), planArgs, d.parent)
		if err != nil {
			return nil, fmt.Errorf("dedicated plan: %w", err)
		}
		site.AlwaysOn = pulumi.Bool(d.a.AlwaysOnEnabled())
	}
	// Premium and Dedicated run the package straight from its blob, read with the
	// app's system-assigned identity.
	site.AppSettings = append([]azurenative.NameValuePairArgs{
		setting("FUNCTIONS_EXTENSION_VERSION", pulumi.String(functionsExtensionVersion)),
		setting("FUNCTIONS_WORKER_RUNTIME", pulumi.String("custom")),
		setting("WEBSITE_RUN_FROM_PACKAGE", blobURL),
		setting("WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID", id.ID().ToStringOutput()),
	}, settings...)
	appArgs.ServerFarmId = plan.ID().ToStringOutput()
	app, err := azurenative.NewWebApp(d.ctx, d.n("app"), appArgs, d.parent, pulumi.DependsOn(grants))
	if err != nil {
		return nil, fmt.Errorf("function app: %w", err)
	}
	return app, nil
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

// hms formats seconds as the hh:mm:ss functionTimeout expects.
func hms(s int) string { return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60) }

// alnum keeps lowercase letters and digits (storage account names), at most n.
func alnum(s string, n int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if len(out) > n {
		out = out[:n]
	}
	if out == "" {
		out = "aac"
	}
	return out
}

// alnumDash keeps letters, digits and dashes (Key Vault names), at most n.
func alnumDash(s string, n int) string {
	out := dnsLabel(s)
	if len(out) > n {
		out = strings.TrimRight(out[:n], "-")
	}
	return out
}

func dnsLabel(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// DeployCommand publishes the package after `pulumi up`, with the deployer's Entra
// identity (no storage keys). Flex Consumption runs only what OneDeploy publishes
// (flex-consumption-plan.md: "Deployments in the Flex Consumption plan follow a
// single path"), which `az functionapp deployment source config-zip` performs.
// Premium and Dedicated run from the package URL: the blob is uploaded with
// --auth-mode login (the stack grants the deployer Storage Blob Data Contributor)
// and the app restarted so it fetches the new package. The deploy workflow runs it
// right after `pulumi up`; the artifact path is where `pulumi up` built it.
func DeployCommand(plan string, rg, app, account pulumi.StringOutput, art build.Artifact) pulumi.StringOutput {
	if plan == config.AzurePlanFlex {
		return pulumi.Sprintf("az functionapp deployment source config-zip -g %s -n %s --src %s", rg, app, art.Path)
	}
	return pulumi.Sprintf("az storage blob upload --auth-mode login --account-name %s --container-name %s --name %s --file %s --overwrite true && az functionapp restart -g %s -n %s",
		account, deploymentContainer, PackageBlobName(art.SHA256), art.Path, rg, app)
}
