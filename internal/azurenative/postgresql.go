package azurenative

import (
	"errors"
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Type tokens of the dbforpostgresql resources. In azure-native v2 the
// unversioned Server is the Flexible Server (API 2022-12-01); the retired
// Single Server lives under other names.
const (
	ServerType        = "azure-native:dbforpostgresql:Server"
	ConfigurationType = "azure-native:dbforpostgresql:Configuration"
	DatabaseType      = "azure-native:dbforpostgresql:Database"
	// ServerV20240801Type is the Flexible Server at API 2024-08-01, the first GA
	// version whose ServerVersion accepts PostgreSQL 16 (the v2 default,
	// 2022-12-01, lists 11-15 only). The token exists in azure-native v2.90 (its
	// Go SDK ships dbforpostgresql/v2/v20240801) and is azure-native v3's default.
	ServerV20240801Type = "azure-native:dbforpostgresql/v20240801:Server"
)

// SkuArgs mirrors dbforpostgresql.SkuArgs.
type SkuArgs struct {
	// Name is the compute size, e.g. "Standard_D2ds_v5".
	Name pulumi.StringInput `pulumi:"name"`
	// Tier is "Burstable", "GeneralPurpose" or "MemoryOptimized".
	Tier pulumi.StringInput `pulumi:"tier"`
}

type sku struct {
	Name string `pulumi:"name"`
	Tier string `pulumi:"tier"`
}

// ElementType implements pulumi.Input.
func (SkuArgs) ElementType() reflect.Type { return reflect.TypeOf(sku{}) }

// AuthConfigArgs mirrors dbforpostgresql.AuthConfigArgs.
type AuthConfigArgs struct {
	// ActiveDirectoryAuth is "Enabled" or "Disabled" (Microsoft Entra ID).
	ActiveDirectoryAuth pulumi.StringPtrInput `pulumi:"activeDirectoryAuth"`
	// PasswordAuth is "Enabled" or "Disabled".
	PasswordAuth pulumi.StringPtrInput `pulumi:"passwordAuth"`
	TenantId     pulumi.StringPtrInput `pulumi:"tenantId"`
}

type authConfig struct {
	ActiveDirectoryAuth *string `pulumi:"activeDirectoryAuth"`
	PasswordAuth        *string `pulumi:"passwordAuth"`
	TenantId            *string `pulumi:"tenantId"`
}

// ElementType implements pulumi.Input.
func (AuthConfigArgs) ElementType() reflect.Type { return reflect.TypeOf(authConfig{}) }

// BackupArgs mirrors dbforpostgresql.BackupArgs.
type BackupArgs struct {
	BackupRetentionDays pulumi.IntPtrInput `pulumi:"backupRetentionDays"`
	// GeoRedundantBackup is "Enabled" or "Disabled".
	GeoRedundantBackup pulumi.StringPtrInput `pulumi:"geoRedundantBackup"`
}

type backup struct {
	BackupRetentionDays *int    `pulumi:"backupRetentionDays"`
	GeoRedundantBackup  *string `pulumi:"geoRedundantBackup"`
}

// ElementType implements pulumi.Input.
func (BackupArgs) ElementType() reflect.Type { return reflect.TypeOf(backup{}) }

// HighAvailabilityArgs mirrors dbforpostgresql.HighAvailabilityArgs.
type HighAvailabilityArgs struct {
	// Mode is "Disabled", "ZoneRedundant" or "SameZone".
	Mode pulumi.StringPtrInput `pulumi:"mode"`
}

type highAvailability struct {
	Mode *string `pulumi:"mode"`
}

// ElementType implements pulumi.Input.
func (HighAvailabilityArgs) ElementType() reflect.Type { return reflect.TypeOf(highAvailability{}) }

// NetworkArgs mirrors dbforpostgresql.NetworkArgs: with a delegated subnet
// the server is reachable only from its virtual network (private access).
type NetworkArgs struct {
	DelegatedSubnetResourceId   pulumi.StringPtrInput `pulumi:"delegatedSubnetResourceId"`
	PrivateDnsZoneArmResourceId pulumi.StringPtrInput `pulumi:"privateDnsZoneArmResourceId"`
}

type network struct {
	DelegatedSubnetResourceId   *string `pulumi:"delegatedSubnetResourceId"`
	PrivateDnsZoneArmResourceId *string `pulumi:"privateDnsZoneArmResourceId"`
}

// ElementType implements pulumi.Input.
func (NetworkArgs) ElementType() reflect.Type { return reflect.TypeOf(network{}) }

// StorageArgs mirrors dbforpostgresql.StorageArgs.
type StorageArgs struct {
	StorageSizeGB pulumi.IntPtrInput `pulumi:"storageSizeGB"`
}

type storage struct {
	StorageSizeGB *int `pulumi:"storageSizeGB"`
}

// ElementType implements pulumi.Input.
func (StorageArgs) ElementType() reflect.Type { return reflect.TypeOf(storage{}) }

// ServerArgs mirrors dbforpostgresql.ServerArgs (fields used here).
type ServerArgs struct {
	AdministratorLogin         pulumi.StringPtrInput
	AdministratorLoginPassword pulumi.StringPtrInput
	AuthConfig                 *AuthConfigArgs
	Backup                     *BackupArgs
	CreateMode                 pulumi.StringPtrInput
	HighAvailability           *HighAvailabilityArgs
	Location                   pulumi.StringPtrInput
	Network                    *NetworkArgs
	ResourceGroupName          pulumi.StringInput
	ServerName                 pulumi.StringPtrInput
	Sku                        *SkuArgs
	Storage                    *StorageArgs
	Tags                       pulumi.StringMapInput
	Version                    pulumi.StringPtrInput
}

type serverArgs struct {
	AdministratorLogin         *string           `pulumi:"administratorLogin"`
	AdministratorLoginPassword *string           `pulumi:"administratorLoginPassword"`
	AuthConfig                 *authConfig       `pulumi:"authConfig"`
	Backup                     *backup           `pulumi:"backup"`
	CreateMode                 *string           `pulumi:"createMode"`
	HighAvailability           *highAvailability `pulumi:"highAvailability"`
	Location                   *string           `pulumi:"location"`
	Network                    *network          `pulumi:"network"`
	ResourceGroupName          string            `pulumi:"resourceGroupName"`
	ServerName                 *string           `pulumi:"serverName"`
	Sku                        *sku              `pulumi:"sku"`
	Storage                    *storage          `pulumi:"storage"`
	Tags                       map[string]string `pulumi:"tags"`
	Version                    *string           `pulumi:"version"`
}

// ElementType implements pulumi.Input.
func (ServerArgs) ElementType() reflect.Type { return reflect.TypeOf(serverArgs{}) }

// Server is an Azure Database for PostgreSQL Flexible Server.
type Server struct {
	pulumi.CustomResourceState

	FullyQualifiedDomainName pulumi.StringOutput `pulumi:"fullyQualifiedDomainName"`
	Name                     pulumi.StringOutput `pulumi:"name"`
}

// NewServer registers azure-native:dbforpostgresql:Server.
func NewServer(ctx *pulumi.Context, name string, args *ServerArgs, opts ...pulumi.ResourceOption) (*Server, error) {
	if args == nil || args.ResourceGroupName == nil {
		return nil, errors.New("invalid value for required argument 'ResourceGroupName'")
	}
	// The official SDK marks the password secret the same way.
	opts = append(opts, pulumi.AdditionalSecretOutputs([]string{"administratorLoginPassword"}))
	var res Server
	if err := ctx.RegisterResource(ServerType, name, args, &res, defaultOpts(opts)...); err != nil {
		return nil, err
	}
	return &res, nil
}

// NewServerV20240801 registers azure-native:dbforpostgresql/v20240801:Server. The
// API version is part of the token: switching an existing server to another
// version is a replacement, so a stack picks it before its first deploy.
func NewServerV20240801(ctx *pulumi.Context, name string, args *ServerArgs, opts ...pulumi.ResourceOption) (*Server, error) {
	if args == nil || args.ResourceGroupName == nil {
		return nil, errors.New("invalid value for required argument 'ResourceGroupName'")
	}
	opts = append(opts, pulumi.AdditionalSecretOutputs([]string{"administratorLoginPassword"}))
	var res Server
	if err := ctx.RegisterResource(ServerV20240801Type, name, args, &res, defaultOpts(opts)...); err != nil {
		return nil, err
	}
	return &res, nil
}

// ConfigurationArgs mirrors dbforpostgresql.ConfigurationArgs (a server parameter).
type ConfigurationArgs struct {
	ConfigurationName pulumi.StringPtrInput
	ResourceGroupName pulumi.StringInput
	ServerName        pulumi.StringInput
	// Source is "user-override" for values set by the user.
	Source pulumi.StringPtrInput
	Value  pulumi.StringPtrInput
}

type configurationArgs struct {
	ConfigurationName *string `pulumi:"configurationName"`
	ResourceGroupName string  `pulumi:"resourceGroupName"`
	ServerName        string  `pulumi:"serverName"`
	Source            *string `pulumi:"source"`
	Value             *string `pulumi:"value"`
}

// ElementType implements pulumi.Input.
func (ConfigurationArgs) ElementType() reflect.Type { return reflect.TypeOf(configurationArgs{}) }

// Configuration is one server parameter of a Flexible Server.
type Configuration struct {
	pulumi.CustomResourceState

	Name  pulumi.StringOutput    `pulumi:"name"`
	Value pulumi.StringPtrOutput `pulumi:"value"`
}

// NewConfiguration registers azure-native:dbforpostgresql:Configuration.
func NewConfiguration(ctx *pulumi.Context, name string, args *ConfigurationArgs, opts ...pulumi.ResourceOption) (*Configuration, error) {
	if args == nil || args.ResourceGroupName == nil || args.ServerName == nil {
		return nil, errors.New("invalid value for required arguments 'ResourceGroupName' and 'ServerName'")
	}
	var res Configuration
	if err := ctx.RegisterResource(ConfigurationType, name, args, &res, defaultOpts(opts)...); err != nil {
		return nil, err
	}
	return &res, nil
}

// DatabaseArgs mirrors dbforpostgresql.DatabaseArgs.
type DatabaseArgs struct {
	Charset           pulumi.StringPtrInput
	Collation         pulumi.StringPtrInput
	DatabaseName      pulumi.StringPtrInput
	ResourceGroupName pulumi.StringInput
	ServerName        pulumi.StringInput
}

type databaseArgs struct {
	Charset           *string `pulumi:"charset"`
	Collation         *string `pulumi:"collation"`
	DatabaseName      *string `pulumi:"databaseName"`
	ResourceGroupName string  `pulumi:"resourceGroupName"`
	ServerName        string  `pulumi:"serverName"`
}

// ElementType implements pulumi.Input.
func (DatabaseArgs) ElementType() reflect.Type { return reflect.TypeOf(databaseArgs{}) }

// Database is a database on a Flexible Server.
type Database struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// NewDatabase registers azure-native:dbforpostgresql:Database.
func NewDatabase(ctx *pulumi.Context, name string, args *DatabaseArgs, opts ...pulumi.ResourceOption) (*Database, error) {
	if args == nil || args.ResourceGroupName == nil || args.ServerName == nil {
		return nil, errors.New("invalid value for required arguments 'ResourceGroupName' and 'ServerName'")
	}
	var res Database
	if err := ctx.RegisterResource(DatabaseType, name, args, &res, defaultOpts(opts)...); err != nil {
		return nil, err
	}
	return &res, nil
}
