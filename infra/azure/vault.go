package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/keyvault/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

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
