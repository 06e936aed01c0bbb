package program

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/azure"
	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

// deployAzure declares the Azure connector and names its stack outputs.
func deployAzure(ctx *pulumi.Context, name string, cfg *config.Config, art build.Artifact) (map[string]pulumi.Output, error) {
	c, err := azure.New(ctx, name, cfg, art)
	if err != nil {
		return nil, err
	}
	return map[string]pulumi.Output{
		"url":                 c.Url,
		"appName":             c.AppName,
		"resourceGroupName":   c.ResourceGroupName,
		"databaseHost":        c.DatabaseHost,
		"deployCommand":       c.DeployCommand,
		"identityPrincipalId": c.IdentityPrincipalId,
		"coldStartCommand":    c.ColdStartCommand,
	}, nil
}
