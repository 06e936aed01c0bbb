package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/internal/azurenative"
)

// appSettings are the app's settings: host storage and monitoring, and the
// function's environment (the stack's FunctionEnv, the database URL and the Key
// Vault references of its secrets).
func (d *deployer) appSettings(sa *storage.StorageAccount, id *azurenative.UserAssignedIdentity, appInsights, dbHost, passwordRef, apiKeysRef pulumi.StringOutput) []azurenative.NameValuePairArgs {
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
	return settings
}

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

// functionApp creates the plan and the Linux Function App for the configured plan.
func (d *deployer) functionApp(settings []azurenative.NameValuePairArgs, subnet *network.Subnet, blobURL, containerURL pulumi.StringOutput, id *azurenative.UserAssignedIdentity, grants []pulumi.Resource) (*azurenative.WebApp, error) {
	skuName, skuTier := d.a.PlanSKU()
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

// hms formats seconds as the hh:mm:ss functionTimeout expects.
func hms(s int) string { return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60) }
