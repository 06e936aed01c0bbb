package measure

import (
	"errors"
	"flag"
	"os"
	"slices"
	"time"
)

// StackFlags are the flags the deployed-stack tools (coldstart --stack, tune) share: one
// name, default and help each, so the two cannot drift apart.
type StackFlags struct {
	Stack, Outputs, APIKey, Query, Endpoint, Region string
	JSON                                            bool
	MaxCold, MaxWarm, MaxDB                         time.Duration
}

// TargetHelp says, per tool, what each target is compared with.
type TargetHelp struct{ Cold, Warm, DB string }

// Register adds the shared flags to fs.
func (f *StackFlags) Register(fs *flag.FlagSet, targets TargetHelp) {
	fs.StringVar(&f.Stack, "stack", "", "stack name: stacks/Pulumi.NAME.yaml (required)")
	fs.StringVar(&f.Outputs, "outputs", "", "stack outputs file from 'pulumi stack output --json -s NAME > FILE'; empty = ask Pulumi through the Automation API (needs the pulumi CLI and a login)")
	fs.StringVar(&f.APIKey, "api-key", os.Getenv("CONNECTOR_API_KEY"), "bearer key for /v1/query (default $CONNECTOR_API_KEY); empty = /health only, no query figures")
	fs.StringVar(&f.Query, "query", "SELECT 1", "SQL of the first and pooled query requests")
	fs.BoolVar(&f.JSON, "json", false, "print JSON instead of a table")
	fs.DurationVar(&f.MaxCold, "max-cold", 2*time.Second, "target: "+targets.Cold)
	fs.DurationVar(&f.MaxWarm, "max-warm", 100*time.Millisecond, "target: "+targets.Warm)
	fs.DurationVar(&f.MaxDB, "max-db", 50*time.Millisecond, "target: "+targets.DB)
	fs.StringVar(&f.Endpoint, "endpoint-url", "", "AWS: Lambda API endpoint override (a VPC endpoint, LocalStack, or the fake used in tests)")
	fs.StringVar(&f.Region, "region", "", "AWS: region (default: from the aliasArn output, then the SDK's default chain)")
}

// Validate checks what Register's flags must hold.
func (f *StackFlags) Validate() error {
	if f.Stack == "" {
		return errors.New("--stack: a stack name is required (one of stacks/Pulumi.*.yaml)")
	}
	if slices.ContainsFunc([]time.Duration{f.MaxCold, f.MaxWarm, f.MaxDB}, func(d time.Duration) bool { return d <= 0 }) {
		return errors.New("--max-cold, --max-warm and --max-db must be positive")
	}
	return nil
}

// Targets are the flags' targets in milliseconds.
func (f *StackFlags) Targets() Targets {
	return Targets{ColdMs: Ms(f.MaxCold), WarmMs: Ms(f.MaxWarm), PooledMs: Ms(f.MaxDB)}
}
