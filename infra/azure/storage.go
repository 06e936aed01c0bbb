package azure

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PackageBlobName is the deployment package's blob name: unchanged code keeps its URL.
func PackageBlobName(sha256 string) string { return "function-" + sha256 + ".zip" }

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
