package program

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/gcp"
)

// deployGCP declares the GCP connector and names its stack outputs.
func deployGCP(ctx *pulumi.Context, name string, cfg *config.Config, art build.Artifact) (map[string]pulumi.Output, error) {
	c, err := gcp.New(ctx, name, cfg, art)
	if err != nil {
		return nil, err
	}
	return map[string]pulumi.Output{
		"url":                    c.Url,
		"functionName":           c.FunctionName,
		"serviceAccountEmail":    c.ServiceAccountEmail,
		"instanceConnectionName": c.InstanceConnectionName,
		"coldStartCommand":       c.ColdStartCommand,
	}, nil
}
