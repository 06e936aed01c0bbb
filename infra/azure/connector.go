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
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/outputs"
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
	id, granted, err := d.identity(sa, passwordID, apiKeysID)
	if err != nil {
		return err
	}
	settings := d.appSettings(sa, id, appInsights, dbHost, passwordRef, apiKeysRef)
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
