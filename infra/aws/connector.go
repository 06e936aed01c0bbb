// Package aws declares the connector on AWS as one ComponentResource: a Lambda
// function (provided.al2023, arm64 by default) behind a Function URL on an alias, with
// provisioned concurrency, reaching PostgreSQL on RDS through RDS Proxy with IAM auth
// and TLS, in private subnets. It takes the validated config and the built artifact only.
package aws

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/outputs"
)

// Type is the component's type token.
const Type = "ai-agent-connector:aws:Connector"

// AliasName is the Lambda alias that carries provisioned concurrency and the Function URL.
const AliasName = "live"

// PostgresPort is the port of the proxy and the database.
const PostgresPort = 5432

// Connector is the deployed connector on AWS.
type Connector struct {
	pulumi.ResourceState

	URL              pulumi.StringOutput `pulumi:"url"` // Function URL of the alias
	AliasARN         pulumi.StringOutput `pulumi:"aliasArn"`
	FunctionName     pulumi.StringOutput `pulumi:"functionName"`
	ProxyEndpoint    pulumi.StringOutput `pulumi:"proxyEndpoint"`
	LogGroupName     pulumi.StringOutput `pulumi:"logGroupName"`
	ColdStartCommand pulumi.StringOutput `pulumi:"coldStartCommand"` // measures this stack's cold start
	// DBRoleCommand (created database only) re-runs by hand what the provisioner
	// does at every deploy (from inside the VPC; docs/deploy.md, "Database role").
	DBRoleCommand pulumi.StringOutput `pulumi:"dbRoleCommand"`
}

// Outputs are the connector's outputs by name: the tagged fields that are set.
func (c *Connector) Outputs() pulumi.Map { return outputs.Of(c) }

// New declares the connector. cfg must come from config.Load (validated); art from build.Build
// for the lambda platform and cfg.Arch; provisioner (created database only) from
// build.BuildDBRole for cfg.Arch.
func New(ctx *pulumi.Context, name string, cfg *config.Config, art, provisioner build.Artifact, opts ...pulumi.ResourceOption) (*Connector, error) {
	if cfg == nil || cfg.Cloud != config.CloudAWS {
		return nil, fmt.Errorf("aws connector %s: config is not for cloud aws", name)
	}
	if art.Target.Platform != build.Lambda || art.Target.Arch != cfg.Arch {
		return nil, fmt.Errorf("aws connector %s: artifact %s does not match lambda/%s", name, art.Target, cfg.Arch)
	}
	if cfg.Database.Creates() && (provisioner.Path == "" || provisioner.Target.Platform != build.Lambda || provisioner.Target.Arch != cfg.Arch) {
		return nil, fmt.Errorf("aws connector %s: the role provisioner artifact %s does not match lambda/%s", name, provisioner.Target, cfg.Arch)
	}
	c := &Connector{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, fmt.Errorf("register %s: %w", name, err)
	}
	parent := pulumi.Parent(c)

	net, err := newNetwork(ctx, name, cfg, parent)
	if err != nil {
		return nil, err
	}
	db, err := newDatabase(ctx, name, cfg, net, parent)
	if err != nil {
		return nil, err
	}
	var after []pulumi.Resource
	if cfg.Database.Creates() {
		inv, err := newProvisioner(ctx, name, cfg, provisioner, net, db, parent)
		if err != nil {
			return nil, err
		}
		after = append(after, inv)
	}
	fn, err := newFunction(ctx, name, cfg, art, net, db, after, parent)
	if err != nil {
		return nil, err
	}

	c.URL = fn.url
	c.AliasARN = fn.aliasArn
	c.FunctionName = fn.name
	c.ProxyEndpoint = db.proxyEndpoint
	c.LogGroupName = fn.logGroupName
	c.ColdStartCommand = pulumi.String(ColdStartCommand(ctx.Stack())).ToStringOutput()
	// RegisterComponentResource gave every tagged field a pending output; a stack that
	// creates no database has no role command, and a zero field is left out of Outputs.
	c.DBRoleCommand = pulumi.StringOutput{}
	if cfg.Database.Creates() {
		c.DBRoleCommand = pulumi.Sprintf(
			`DBROLE_ADMIN_URL="postgres://%s:$(aws secretsmanager get-secret-value --secret-id %s --query SecretString --output text | jq -r '.password|@uri')@%s:%d/%s?sslmode=require" `+
				`DBROLE_PASSWORD="$(aws secretsmanager get-secret-value --secret-id %s --query SecretString --output text | jq -r .password)" `+
				`go run ./scripts/dbrole --stack %s --password-env DBROLE_PASSWORD`,
			AdminLogin, db.masterSecretArn, db.address, PostgresPort, cfg.Database.Name, db.roleSecretArn, ctx.Stack())
	}
	if err := ctx.RegisterResourceOutputs(c, c.Outputs()); err != nil {
		return nil, fmt.Errorf("register outputs of %s: %w", name, err)
	}
	return c, nil
}

// ColdStartCommand is the command that measures the cold start of a deployed stack.
func ColdStartCommand(stack string) string {
	return "go run ./scripts/coldstart --stack " + stack
}

// physicalName is the name of resources whose names other resources must know in
// advance (the function and its log group): project-stack, unique per account and region.
func physicalName(ctx *pulumi.Context) string {
	return fmt.Sprintf("%s-%s", ctx.Project(), ctx.Stack())
}
