package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/internal/azurenative"
)

// roleID is the subscription-scoped id of a built-in role definition.
func (d *deployer) roleID(guid string) pulumi.StringOutput {
	return d.client.SubscriptionId().ApplyT(func(sub string) string {
		return "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/" + guid
	}).(pulumi.StringOutput)
}

// identity creates the app's user-assigned identity and its grants: the package
// storage, and each Key Vault secret the function reads, one by one.
func (d *deployer) identity(sa *storage.StorageAccount, passwordID, apiKeysID pulumi.IDOutput) (*azurenative.UserAssignedIdentity, []pulumi.Resource, error) {
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
		return nil, nil, fmt.Errorf("user-assigned identity: %w", err)
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
			return nil, nil, fmt.Errorf("role %s: %w", g.suffix, err)
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
			return nil, nil, fmt.Errorf("role deployer-blob: %w", err)
		}
	}
	return id, granted, nil
}
