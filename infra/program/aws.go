package program

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/aws"
	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

// deployAWS declares the AWS connector and names its stack outputs.
func deployAWS(ctx *pulumi.Context, name string, cfg *config.Config, art, provisioner build.Artifact) (map[string]pulumi.Output, error) {
	c, err := aws.New(ctx, name, cfg, art, provisioner)
	if err != nil {
		return nil, err
	}
	outs := map[string]pulumi.Output{
		"url":              c.Url,
		"aliasArn":         c.AliasArn,
		"proxyEndpoint":    c.ProxyEndpoint,
		"functionName":     c.FunctionName,
		"logGroupName":     c.LogGroupName,
		"coldStartCommand": c.ColdStartCommand,
	}
	if cfg.Database.Creates() {
		outs["dbRoleCommand"] = c.DBRoleCommand
	}
	return outs, nil
}
