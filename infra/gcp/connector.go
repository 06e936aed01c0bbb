// Package gcp declares the connector on Google Cloud: a Cloud Functions gen2
// (Cloud Run functions) HTTP function built from the function module's source
// archive, a Cloud SQL for PostgreSQL instance reached only through the Cloud SQL
// Go connector with IAM database authentication, a least-privilege service
// account, API keys in Secret Manager and a log bucket with the stack's retention.
package gcp

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/outputs"
)

// Type is the component's type token.
const Type = "ai-agent-connector:gcp:Connector"

// Connector is the deployed GCP stack.
type Connector struct {
	pulumi.ResourceState

	// URL is the function's HTTPS URL.
	URL pulumi.StringOutput `pulumi:"url"`
	// FunctionName is the Cloud Functions (and Cloud Run service) name.
	FunctionName pulumi.StringOutput `pulumi:"functionName"`
	// ServiceAccountEmail is the identity the function runs as and logs in to PostgreSQL with.
	ServiceAccountEmail pulumi.StringOutput `pulumi:"serviceAccountEmail"`
	// InstanceConnectionName is project:region:instance of the Cloud SQL instance.
	InstanceConnectionName pulumi.StringOutput `pulumi:"instanceConnectionName"`
	// ColdStartCommand measures this stack's cold start.
	ColdStartCommand pulumi.StringOutput `pulumi:"coldStartCommand"`
}

// Outputs are the connector's outputs by name: the tagged fields that are set.
func (c *Connector) Outputs() pulumi.Map { return outputs.Of(c) }

// New declares the connector from a validated config and the "gcp" source archive.
func New(ctx *pulumi.Context, name string, cfg *config.Config, art build.Artifact, opts ...pulumi.ResourceOption) (*Connector, error) {
	if cfg.Cloud != config.CloudGCP {
		return nil, fmt.Errorf("gcp connector: config is for cloud %q", cfg.Cloud)
	}
	if art.Target.Platform != build.GCP {
		return nil, fmt.Errorf("gcp connector: artifact is for platform %q, want %q", art.Target.Platform, build.GCP)
	}
	c := &Connector{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, fmt.Errorf("gcp connector: %w", err)
	}
	d := &deployer{ctx: ctx, name: name, cfg: cfg, g: cfg.GCP, art: art, parent: pulumi.Parent(c)}
	if err := d.declare(c); err != nil {
		return nil, fmt.Errorf("gcp connector: %w", err)
	}
	if err := ctx.RegisterResourceOutputs(c, c.Outputs()); err != nil {
		return nil, fmt.Errorf("gcp connector: %w", err)
	}
	return c, nil
}

type deployer struct {
	ctx    *pulumi.Context
	name   string
	cfg    *config.Config
	g      config.GCP
	art    build.Artifact
	parent pulumi.ResourceOption
}

func (d *deployer) n(suffix string) string { return d.name + "-" + suffix }

func (d *deployer) labels() pulumi.StringMap {
	return pulumi.StringMap{
		"app":   pulumi.String("ai-agent-connector"),
		"stack": pulumi.String(labelValue(d.ctx.Stack())),
	}
}

func (d *deployer) declare(c *Connector) error {
	apis, err := d.enableAPIs()
	if err != nil {
		return err
	}
	// Everything below waits for the APIs.
	d.parent = pulumi.Composite(d.parent, pulumi.DependsOn(apis))
	sa, err := d.serviceAccount()
	if err != nil {
		return err
	}
	// The provider fills project from gcp:project; reading it from a resource keeps
	// the component free of provider config.
	project := sa.Project

	secretEnv, secretDeps, err := d.apiKeys(project, sa)
	if err != nil {
		return err
	}
	instance, user, err := d.database(sa)
	if err != nil {
		return err
	}
	object, bucket, err := d.source()
	if err != nil {
		return err
	}
	buildSA, buildGrants, err := d.buildAccount(project, bucket)
	if err != nil {
		return err
	}
	fn, err := d.function(functionInputs{
		sa: sa, instance: instance, user: user,
		secretEnv: secretEnv, secretDeps: secretDeps,
		object: object, bucket: bucket, buildSA: buildSA, buildGrants: buildGrants,
	})
	if err != nil {
		return err
	}

	if err := d.logs(project, fn); err != nil {
		return err
	}

	c.URL = fn.Url
	c.FunctionName = fn.Name
	c.ServiceAccountEmail = sa.Email
	c.InstanceConnectionName = instance
	c.ColdStartCommand = pulumi.Sprintf("go run ./scripts/coldstart --stack %s --url %s", d.ctx.Stack(), fn.Url)
	return nil
}

// labelValue lowercases and replaces characters GCP labels and ids do not accept.
func labelValue(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	out := b.String()
	if len(out) > 63 {
		out = out[:63]
	}
	return out
}
