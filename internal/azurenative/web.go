package azurenative

import (
	"errors"
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Type tokens of the web resources, exactly as the official SDK registers them.
const (
	AppServicePlanType          = "azure-native:web:AppServicePlan"
	WebAppType                  = "azure-native:web:WebApp"
	AppServicePlanV20231201Type = "azure-native:web/v20231201:AppServicePlan"
	WebAppV20231201Type         = "azure-native:web/v20231201:WebApp"
)

// SkuDescriptionArgs mirrors web.SkuDescriptionArgs (fields used here).
type SkuDescriptionArgs struct {
	Capacity pulumi.IntPtrInput    `pulumi:"capacity"`
	Name     pulumi.StringPtrInput `pulumi:"name"`
	Tier     pulumi.StringPtrInput `pulumi:"tier"`
}

type skuDescription struct {
	Capacity *int    `pulumi:"capacity"`
	Name     *string `pulumi:"name"`
	Tier     *string `pulumi:"tier"`
}

// ElementType implements pulumi.Input.
func (SkuDescriptionArgs) ElementType() reflect.Type { return reflect.TypeOf(skuDescription{}) }

// AppServicePlanArgs mirrors web.AppServicePlanArgs (fields used here).
type AppServicePlanArgs struct {
	ElasticScaleEnabled       pulumi.BoolPtrInput
	Kind                      pulumi.StringPtrInput
	Location                  pulumi.StringPtrInput
	MaximumElasticWorkerCount pulumi.IntPtrInput
	Name                      pulumi.StringPtrInput
	Reserved                  pulumi.BoolPtrInput
	ResourceGroupName         pulumi.StringInput
	Sku                       *SkuDescriptionArgs
	Tags                      pulumi.StringMapInput
	ZoneRedundant             pulumi.BoolPtrInput
}

type appServicePlanArgs struct {
	ElasticScaleEnabled       *bool             `pulumi:"elasticScaleEnabled"`
	Kind                      *string           `pulumi:"kind"`
	Location                  *string           `pulumi:"location"`
	MaximumElasticWorkerCount *int              `pulumi:"maximumElasticWorkerCount"`
	Name                      *string           `pulumi:"name"`
	Reserved                  *bool             `pulumi:"reserved"`
	ResourceGroupName         string            `pulumi:"resourceGroupName"`
	Sku                       *skuDescription   `pulumi:"sku"`
	Tags                      map[string]string `pulumi:"tags"`
	ZoneRedundant             *bool             `pulumi:"zoneRedundant"`
}

// ElementType implements pulumi.Input.
func (AppServicePlanArgs) ElementType() reflect.Type { return reflect.TypeOf(appServicePlanArgs{}) }

// AppServicePlan is an App Service plan (server farm): Flex Consumption,
// Elastic Premium or Dedicated.
type AppServicePlan struct {
	pulumi.CustomResourceState

	Kind pulumi.StringPtrOutput `pulumi:"kind"`
	Name pulumi.StringOutput    `pulumi:"name"`
}

// NewAppServicePlan registers azure-native:web:AppServicePlan (API 2022-09-01).
func NewAppServicePlan(ctx *pulumi.Context, name string, args *AppServicePlanArgs, opts ...pulumi.ResourceOption) (*AppServicePlan, error) {
	return registerPlan(ctx, AppServicePlanType, name, args, opts)
}

// NewAppServicePlanV20231201 registers azure-native:web/v20231201:AppServicePlan,
// the API version that knows the Flex Consumption (FC1) SKU.
func NewAppServicePlanV20231201(ctx *pulumi.Context, name string, args *AppServicePlanArgs, opts ...pulumi.ResourceOption) (*AppServicePlan, error) {
	return registerPlan(ctx, AppServicePlanV20231201Type, name, args, opts)
}

func registerPlan(ctx *pulumi.Context, token, name string, args *AppServicePlanArgs, opts []pulumi.ResourceOption) (*AppServicePlan, error) {
	if args == nil || args.ResourceGroupName == nil {
		return nil, errors.New("invalid value for required argument 'ResourceGroupName'")
	}
	var res AppServicePlan
	if err := ctx.RegisterResource(token, name, args, &res, defaultOpts(opts)...); err != nil {
		return nil, err
	}
	return &res, nil
}

// NameValuePairArgs mirrors web.NameValuePairArgs (an app setting).
type NameValuePairArgs struct {
	Name  pulumi.StringPtrInput `pulumi:"name"`
	Value pulumi.StringPtrInput `pulumi:"value"`
}

type nameValuePair struct {
	Name  *string `pulumi:"name"`
	Value *string `pulumi:"value"`
}

// ElementType implements pulumi.Input.
func (NameValuePairArgs) ElementType() reflect.Type { return reflect.TypeOf(nameValuePair{}) }

// SiteConfigArgs mirrors web.SiteConfigArgs (fields used here).
type SiteConfigArgs struct {
	AlwaysOn                    pulumi.BoolPtrInput
	AppSettings                 []NameValuePairArgs
	FtpsState                   pulumi.StringPtrInput
	FunctionAppScaleLimit       pulumi.IntPtrInput
	HealthCheckPath             pulumi.StringPtrInput
	Http20Enabled               pulumi.BoolPtrInput
	LinuxFxVersion              pulumi.StringPtrInput
	MinTlsVersion               pulumi.StringPtrInput
	MinimumElasticInstanceCount pulumi.IntPtrInput
	PreWarmedInstanceCount      pulumi.IntPtrInput
	ScmMinTlsVersion            pulumi.StringPtrInput
	VnetRouteAllEnabled         pulumi.BoolPtrInput
}

type siteConfig struct {
	AlwaysOn                    *bool           `pulumi:"alwaysOn"`
	AppSettings                 []nameValuePair `pulumi:"appSettings"`
	FtpsState                   *string         `pulumi:"ftpsState"`
	FunctionAppScaleLimit       *int            `pulumi:"functionAppScaleLimit"`
	HealthCheckPath             *string         `pulumi:"healthCheckPath"`
	Http20Enabled               *bool           `pulumi:"http20Enabled"`
	LinuxFxVersion              *string         `pulumi:"linuxFxVersion"`
	MinTlsVersion               *string         `pulumi:"minTlsVersion"`
	MinimumElasticInstanceCount *int            `pulumi:"minimumElasticInstanceCount"`
	PreWarmedInstanceCount      *int            `pulumi:"preWarmedInstanceCount"`
	ScmMinTlsVersion            *string         `pulumi:"scmMinTlsVersion"`
	VnetRouteAllEnabled         *bool           `pulumi:"vnetRouteAllEnabled"`
}

// ElementType implements pulumi.Input.
func (SiteConfigArgs) ElementType() reflect.Type { return reflect.TypeOf(siteConfig{}) }

// ManagedServiceIdentityArgs mirrors web.ManagedServiceIdentityArgs.
type ManagedServiceIdentityArgs struct {
	// Type is "SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned" or "None".
	Type pulumi.StringPtrInput `pulumi:"type"`
	// UserAssignedIdentities are the resource ids of user-assigned identities.
	UserAssignedIdentities pulumi.StringArrayInput `pulumi:"userAssignedIdentities"`
}

type managedServiceIdentity struct {
	Type                   *string  `pulumi:"type"`
	UserAssignedIdentities []string `pulumi:"userAssignedIdentities"`
}

// ElementType implements pulumi.Input.
func (ManagedServiceIdentityArgs) ElementType() reflect.Type {
	return reflect.TypeOf(managedServiceIdentity{})
}

// FunctionsDeploymentAuthenticationArgs mirrors
// v20231201.FunctionsDeploymentAuthenticationArgs.
type FunctionsDeploymentAuthenticationArgs struct {
	// Type is "SystemAssignedIdentity", "UserAssignedIdentity" or "StorageAccountConnectionString".
	Type                               pulumi.StringPtrInput `pulumi:"type"`
	StorageAccountConnectionStringName pulumi.StringPtrInput `pulumi:"storageAccountConnectionStringName"`
	UserAssignedIdentityResourceId     pulumi.StringPtrInput `pulumi:"userAssignedIdentityResourceId"`
}

type functionsDeploymentAuthentication struct {
	Type                               *string `pulumi:"type"`
	StorageAccountConnectionStringName *string `pulumi:"storageAccountConnectionStringName"`
	UserAssignedIdentityResourceId     *string `pulumi:"userAssignedIdentityResourceId"`
}

// ElementType implements pulumi.Input.
func (FunctionsDeploymentAuthenticationArgs) ElementType() reflect.Type {
	return reflect.TypeOf(functionsDeploymentAuthentication{})
}

// FunctionsDeploymentStorageArgs mirrors v20231201.FunctionsDeploymentStorageArgs.
type FunctionsDeploymentStorageArgs struct {
	Authentication *FunctionsDeploymentAuthenticationArgs
	// Type is "blobContainer".
	Type pulumi.StringPtrInput
	// Value is the blob container URL holding the deployment package.
	Value pulumi.StringPtrInput
}

type functionsDeploymentStorage struct {
	Authentication *functionsDeploymentAuthentication `pulumi:"authentication"`
	Type           *string                            `pulumi:"type"`
	Value          *string                            `pulumi:"value"`
}

// ElementType implements pulumi.Input.
func (FunctionsDeploymentStorageArgs) ElementType() reflect.Type {
	return reflect.TypeOf(functionsDeploymentStorage{})
}

// FunctionsDeploymentArgs mirrors v20231201.FunctionsDeploymentArgs.
type FunctionsDeploymentArgs struct {
	Storage *FunctionsDeploymentStorageArgs
}

type functionsDeployment struct {
	Storage *functionsDeploymentStorage `pulumi:"storage"`
}

// ElementType implements pulumi.Input.
func (FunctionsDeploymentArgs) ElementType() reflect.Type {
	return reflect.TypeOf(functionsDeployment{})
}

// FunctionsRuntimeArgs mirrors v20231201.FunctionsRuntimeArgs.
type FunctionsRuntimeArgs struct {
	// Name is "custom" for a custom handler.
	Name    pulumi.StringPtrInput `pulumi:"name"`
	Version pulumi.StringPtrInput `pulumi:"version"`
}

type functionsRuntime struct {
	Name    *string `pulumi:"name"`
	Version *string `pulumi:"version"`
}

// ElementType implements pulumi.Input.
func (FunctionsRuntimeArgs) ElementType() reflect.Type { return reflect.TypeOf(functionsRuntime{}) }

// FunctionsAlwaysReadyConfigArgs mirrors v20231201.FunctionsAlwaysReadyConfigArgs.
type FunctionsAlwaysReadyConfigArgs struct {
	InstanceCount pulumi.Float64PtrInput `pulumi:"instanceCount"`
	// Name is a trigger group ("http") or "function:<name>".
	Name pulumi.StringPtrInput `pulumi:"name"`
}

type functionsAlwaysReadyConfig struct {
	InstanceCount *float64 `pulumi:"instanceCount"`
	Name          *string  `pulumi:"name"`
}

// ElementType implements pulumi.Input.
func (FunctionsAlwaysReadyConfigArgs) ElementType() reflect.Type {
	return reflect.TypeOf(functionsAlwaysReadyConfig{})
}

// FunctionsScaleAndConcurrencyArgs mirrors v20231201.FunctionsScaleAndConcurrencyArgs
// (the SDK types these counts as float64, following the REST spec's "number").
type FunctionsScaleAndConcurrencyArgs struct {
	AlwaysReady          []FunctionsAlwaysReadyConfigArgs
	InstanceMemoryMB     pulumi.Float64PtrInput
	MaximumInstanceCount pulumi.Float64PtrInput
}

type functionsScaleAndConcurrency struct {
	AlwaysReady          []functionsAlwaysReadyConfig `pulumi:"alwaysReady"`
	InstanceMemoryMB     *float64                     `pulumi:"instanceMemoryMB"`
	MaximumInstanceCount *float64                     `pulumi:"maximumInstanceCount"`
}

// ElementType implements pulumi.Input.
func (FunctionsScaleAndConcurrencyArgs) ElementType() reflect.Type {
	return reflect.TypeOf(functionsScaleAndConcurrency{})
}

// FunctionAppConfigArgs mirrors v20231201.FunctionAppConfigArgs (Flex Consumption only).
type FunctionAppConfigArgs struct {
	Deployment          *FunctionsDeploymentArgs
	Runtime             *FunctionsRuntimeArgs
	ScaleAndConcurrency *FunctionsScaleAndConcurrencyArgs
}

type functionAppConfig struct {
	Deployment          *functionsDeployment          `pulumi:"deployment"`
	Runtime             *functionsRuntime             `pulumi:"runtime"`
	ScaleAndConcurrency *functionsScaleAndConcurrency `pulumi:"scaleAndConcurrency"`
}

// ElementType implements pulumi.Input.
func (FunctionAppConfigArgs) ElementType() reflect.Type { return reflect.TypeOf(functionAppConfig{}) }

// WebAppArgs mirrors web.WebAppArgs (fields used here). FunctionAppConfig
// exists only in API 2023-12-01 and later: NewWebApp rejects it.
type WebAppArgs struct {
	ClientCertEnabled         pulumi.BoolPtrInput
	FunctionAppConfig         *FunctionAppConfigArgs
	HttpsOnly                 pulumi.BoolPtrInput
	Identity                  *ManagedServiceIdentityArgs
	KeyVaultReferenceIdentity pulumi.StringPtrInput
	Kind                      pulumi.StringPtrInput
	Location                  pulumi.StringPtrInput
	Name                      pulumi.StringPtrInput
	Reserved                  pulumi.BoolPtrInput
	ResourceGroupName         pulumi.StringInput
	ServerFarmId              pulumi.StringPtrInput
	SiteConfig                *SiteConfigArgs
	Tags                      pulumi.StringMapInput
	VirtualNetworkSubnetId    pulumi.StringPtrInput
}

type webAppArgs struct {
	ClientCertEnabled         *bool                   `pulumi:"clientCertEnabled"`
	FunctionAppConfig         *functionAppConfig      `pulumi:"functionAppConfig"`
	HttpsOnly                 *bool                   `pulumi:"httpsOnly"`
	Identity                  *managedServiceIdentity `pulumi:"identity"`
	KeyVaultReferenceIdentity *string                 `pulumi:"keyVaultReferenceIdentity"`
	Kind                      *string                 `pulumi:"kind"`
	Location                  *string                 `pulumi:"location"`
	Name                      *string                 `pulumi:"name"`
	Reserved                  *bool                   `pulumi:"reserved"`
	ResourceGroupName         string                  `pulumi:"resourceGroupName"`
	ServerFarmId              *string                 `pulumi:"serverFarmId"`
	SiteConfig                *siteConfig             `pulumi:"siteConfig"`
	Tags                      map[string]string       `pulumi:"tags"`
	VirtualNetworkSubnetId    *string                 `pulumi:"virtualNetworkSubnetId"`
}

// ElementType implements pulumi.Input.
func (WebAppArgs) ElementType() reflect.Type { return reflect.TypeOf(webAppArgs{}) }

// WebApp is a web app or function app (Microsoft.Web/sites).
type WebApp struct {
	pulumi.CustomResourceState

	DefaultHostName pulumi.StringOutput                     `pulumi:"defaultHostName"`
	Identity        ManagedServiceIdentityResponsePtrOutput `pulumi:"identity"`
	Kind            pulumi.StringPtrOutput                  `pulumi:"kind"`
	Name            pulumi.StringOutput                     `pulumi:"name"`
}

// NewWebApp registers azure-native:web:WebApp (API 2022-09-01).
func NewWebApp(ctx *pulumi.Context, name string, args *WebAppArgs, opts ...pulumi.ResourceOption) (*WebApp, error) {
	if args != nil && args.FunctionAppConfig != nil {
		return nil, errors.New("functionAppConfig requires API 2023-12-01 or later: use NewWebAppV20231201")
	}
	return registerWebApp(ctx, WebAppType, name, args, opts)
}

// NewWebAppV20231201 registers azure-native:web/v20231201:WebApp, the first
// API version with functionAppConfig (Flex Consumption).
func NewWebAppV20231201(ctx *pulumi.Context, name string, args *WebAppArgs, opts ...pulumi.ResourceOption) (*WebApp, error) {
	return registerWebApp(ctx, WebAppV20231201Type, name, args, opts)
}

func registerWebApp(ctx *pulumi.Context, token, name string, args *WebAppArgs, opts []pulumi.ResourceOption) (*WebApp, error) {
	if args == nil || args.ResourceGroupName == nil {
		return nil, errors.New("invalid value for required argument 'ResourceGroupName'")
	}
	var res WebApp
	if err := ctx.RegisterResource(token, name, args, &res, defaultOpts(opts)...); err != nil {
		return nil, err
	}
	return &res, nil
}
