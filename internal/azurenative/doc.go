// Package azurenative registers the few pulumi-azure-native v2 resources whose
// official Go modules cannot be fetched in this project's build environment:
// github.com/pulumi/pulumi-azure-native-sdk/web/v2 and
// github.com/pulumi/pulumi-azure-native-sdk/dbforpostgresql/v2 are refused
// by the module proxy here ("403 Forbidden: This module version is not
// available", checked with `go get .../web/v2@v2.90.0`). The other
// azure-native modules the project uses (resources, storage, insights,
// keyvault, network, authorization, operationalinsights) are fetched
// normally and used directly.
//
// Every resource here is registered through ctx.RegisterResource with the
// REAL azure-native type token and the provider version of the official
// SDK (2.90.0, through the root module's utilities.PkgResourceDefaultOpts),
// so the azure-native provider plugin sees exactly what the generated SDK
// would send. Args structs mirror the generated SDK's Go field names and
// wire property names for the fields this project uses, and nothing else:
//
//	azure-native:web:AppServicePlan            (Azure API 2022-09-01, v2 default)
//	azure-native:web:WebApp                    (Azure API 2022-09-01, v2 default)
//	azure-native:web/v20231201:AppServicePlan  (explicit version: Flex Consumption)
//	azure-native:web/v20231201:WebApp          (explicit version: functionAppConfig)
//	azure-native:dbforpostgresql:Server        (Flexible Server, API 2022-12-01)
//	azure-native:dbforpostgresql:Configuration (server parameters, e.g. pgbouncer.enabled)
//	azure-native:dbforpostgresql:Database
//
// Why two web API versions: azure-native v2's default web API version
// (2022-09-01) predates Flex Consumption and has no functionAppConfig
// property, so a Flex Consumption app must use the explicit-version
// resource (web/v20231201 in the official SDK, Go package
// github.com/pulumi/pulumi-azure-native-sdk/web/v2/v20231201). Elastic
// Premium and Dedicated plans use the default-version tokens.
//
// # Swapping in the official modules
//
// When the official modules can be fetched, replace this package without
// replacing any cloud resource:
//
//  1. go get github.com/pulumi/pulumi-azure-native-sdk/web/v2@v2.90.0 and
//     github.com/pulumi/pulumi-azure-native-sdk/dbforpostgresql/v2@v2.90.0.
//  2. Change the imports in infra/azure: azurenative.NewWebApp becomes
//     web.NewWebApp, azurenative.NewWebAppV20231201 becomes
//     v20231201.NewWebApp, azurenative.NewServer becomes
//     dbforpostgresql.NewServer, and so on; the Args field names are the
//     same (nested args keep their SDK names: web.SiteConfigArgs,
//     web.NameValuePairArray, dbforpostgresql.SkuArgs, ...). Outputs used by
//     the component (DefaultHostName, Identity, FullyQualifiedDomainName,
//     Name) exist on the official types under the same names.
//  3. Keep the resource names and parents unchanged. A URN is built from
//     stack, project, parent type chain, type token and name; since the
//     type token and name are identical, every URN is identical and
//     `pulumi preview` shows no replacement. No aliases are needed (the
//     official constructors add aliases for other API versions, which is
//     harmless).
//
// This package holds no logic beyond registration: validation belongs to
// infra/config and wiring to infra/azure.
package azurenative
