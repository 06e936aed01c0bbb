// Package program is the Pulumi program: load the stack config (validated once,
// before any resource), build the function artifact, declare the chosen cloud's
// component and export its outputs. The root main.go runs Run; tests and
// scripts/preview run the same Program under mocks.
package program

import (
	"context"
	"fmt"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/aws"
	"github.com/ai-agent-connector/ai-agent-connector/infra/azure"
	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/gcp"
)

// Run is the program as `pulumi up` runs it (project root = working directory or above).
func Run(ctx *pulumi.Context) error { return Program{}.Run(ctx) }

// Program is the program with its file locations made explicit for tests and scripts.
type Program struct {
	Root      string // project root (Pulumi.yaml, function/); "" = search upwards from the working directory
	StackFile string // "" = <stackConfigDir>/Pulumi.<stack>.yaml
	OutDir    string // artifact directory; "" = the build package's cache directory

	// Exports, when not nil, receives every stack output too (tests read them here:
	// the mock monitor does not hand stack outputs back).
	Exports map[string]pulumi.Output
}

// Run loads config, builds the artifact and declares the chosen cloud's component.
func (p Program) Run(ctx *pulumi.Context) error {
	cfg, err := config.Load(ctx, config.Options{Root: p.Root, StackFile: p.StackFile})
	if err != nil {
		return err
	}
	if err := guardDatabaseMode(ctx, cfg); err != nil {
		return err
	}
	art, err := buildOnce(ctx.Context(), build.Target{Platform: Platform(cfg.Cloud), Arch: cfg.Arch},
		build.Options{RepoRoot: p.Root, OutDir: p.OutDir})
	if err != nil {
		return fmt.Errorf("build function for %s: %w", cfg.StackFile, err)
	}
	name := ctx.Project() // one connector per stack

	var prov build.Artifact
	if cfg.Cloud == config.CloudAWS && cfg.Database.Creates() {
		if prov, err = buildDBRoleOnce(ctx.Context(), cfg.Arch, build.Options{RepoRoot: p.Root, OutDir: p.OutDir}); err != nil {
			return fmt.Errorf("build the role provisioner for %s: %w", cfg.StackFile, err)
		}
	}
	c, err := deploy(ctx, name, cfg, art, prov)
	if err != nil {
		return err
	}
	outs := c.Outputs()
	outs["cloud"] = pulumi.String(string(cfg.Cloud)).ToStringOutput()
	outs["artifactSha256"] = pulumi.String(art.SHA256).ToStringOutput()
	outs[DatabaseModeOutput] = pulumi.String(cfg.Database.Mode).ToStringOutput()
	for k, v := range outs {
		ctx.Export(k, v)
		if p.Exports != nil {
			p.Exports[k] = v.(pulumi.Output) // outputs.Of and the lines above put only outputs here
		}
	}
	return nil
}

// component is what the program needs of a cloud's connector: its outputs, which
// become the stack's exports.
type component interface{ Outputs() pulumi.Map }

// deploy declares the connector of the stack's cloud; provisioner is AWS's role
// provisioner for a database the stack creates.
func deploy(ctx *pulumi.Context, name string, cfg *config.Config, art, provisioner build.Artifact) (component, error) {
	switch cfg.Cloud {
	case config.CloudAWS:
		return aws.New(ctx, name, cfg, art, provisioner)
	case config.CloudGCP:
		return gcp.New(ctx, name, cfg, art)
	case config.CloudAzure:
		return azure.New(ctx, name, cfg, art)
	}
	return nil, fmt.Errorf("%s: cloud %q has no component", cfg.StackFile, cfg.Cloud)
}

// DatabaseModeOutput records database.mode in the stack's outputs, so the next run
// can tell when the mode changed under a deployed database.
const DatabaseModeOutput = "databaseMode"

// guardDatabaseMode refuses a run whose database.mode differs from the one the stack
// was last deployed with: create -> existing drops the database (and, on AWS, its
// VPC) from the plan, so `pulumi up` would delete them, and a dev stack has no final
// snapshot. database.confirmModeChange: true says the change is meant. The last
// outputs come from a reference to the stack itself, read before anything is planned.
func guardDatabaseMode(ctx *pulumi.Context, cfg *config.Config) error {
	self := fmt.Sprintf("%s/%s/%s", ctx.Organization(), ctx.Project(), ctx.Stack())
	ref, err := pulumi.NewStackReference(ctx, self, nil)
	if err != nil {
		return fmt.Errorf("read the last outputs of %s: %w", self, err)
	}
	d, err := ref.GetOutputDetails(DatabaseModeOutput)
	if err != nil {
		return fmt.Errorf("read the last outputs of %s: %w", self, err)
	}
	prev, _ := d.Value.(string)
	if prev == "" || prev == cfg.Database.Mode || cfg.Database.ConfirmModeChange {
		return nil
	}
	v := config.NewProblems(cfg.StackFile)
	v.Add("database.mode", cfg.Database.Mode, fmt.Sprintf(
		"%s, as deployed: this stack was deployed with database.mode %s, and changing it deletes the database it created (and its network) at `pulumi up`. "+
			"Point a new stack at the database instead, or, if you mean it (after a snapshot), set database.confirmModeChange: true",
		prev, prev))
	return v.Err()
}

// built memoizes artifacts per process: the function source does not change while a
// process runs, and tests and scripts run the program many times (`pulumi up` runs it once).
var built sync.Map // buildKey -> build.Artifact

type buildKey struct {
	t         build.Target
	root, out string
}

func buildOnce(ctx context.Context, t build.Target, o build.Options) (build.Artifact, error) {
	k := buildKey{t, o.RepoRoot, o.OutDir}
	if a, ok := built.Load(k); ok {
		return a.(build.Artifact), nil
	}
	a, err := build.Build(ctx, t, o)
	if err != nil {
		return a, err
	}
	built.Store(k, a)
	return a, nil
}

// Platform is the build platform of a cloud.
func Platform(c config.Cloud) string {
	switch c {
	case config.CloudAWS:
		return build.Lambda
	case config.CloudGCP:
		return build.GCP
	case config.CloudAzure:
		return build.Azure
	}
	return string(c)
}

// buildDBRoleOnce memoizes the AWS role provisioner like buildOnce (its key's
// platform names it apart from the connector's artifact).
func buildDBRoleOnce(ctx context.Context, arch string, o build.Options) (build.Artifact, error) {
	k := buildKey{build.Target{Platform: "lambda-dbrole", Arch: arch}, o.RepoRoot, o.OutDir}
	if a, ok := built.Load(k); ok {
		return a.(build.Artifact), nil
	}
	a, err := build.BuildDBRole(ctx, arch, o)
	if err != nil {
		return a, err
	}
	built.Store(k, a)
	return a, nil
}
