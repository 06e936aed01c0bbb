// Command preview shows, offline, what a stack would create: it runs the Pulumi
// program under mocks with stacks/Pulumi.<stack>.yaml, prints the resource tree (or
// JSON with --json) and runs the policy checks. No cloud credentials, no Pulumi CLI.
//
//	go run ./scripts/preview --stack aws-dev [--json] [--stack-file path/to/Pulumi.x.yaml]
//
// Exit status: 0 plan OK, 1 invalid config or policy violation, 2 usage.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview"
	"github.com/ai-agent-connector/ai-agent-connector/internal/cli"
)

const usage = `Usage: go run ./scripts/preview --stack NAME [--json] [--stack-file FILE]

Shows, offline, what stack NAME would create: runs the Pulumi program under mocks with
stacks/Pulumi.NAME.yaml, prints the resource tree (or JSON) and runs the policy checks.
No cloud credentials, no Pulumi CLI. Exit status 1 on invalid config or a policy violation.
`

func main() { cli.Main(run) }

// checks are the policies a plan must pass (a test adds a failing one).
var checks = policy.Checks()

func run(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.FlagSet("preview", usage, stderr)
	stack := fs.String("stack", "", "stack name (stacks/Pulumi.NAME.yaml)")
	asJSON := fs.Bool("json", false, `print a JSON array of {"type","name","parent","inputs"}`)
	file := fs.String("stack-file", "", "stack file to use instead of stacks/Pulumi.NAME.yaml")
	fs.StringVar(file, "file", "", "the same as --stack-file (the name tune and coldstart use)")
	root := fs.String("root", "", "project root (default: the directory holding Pulumi.yaml, searched upwards)")
	deployed := fs.String("deployed", "", "outputs of the stack's last deployment (`pulumi stack output --json > FILE`): checks what `pulumi up` would refuse against them, e.g. a database.mode change")
	if code, ok := cli.Parse(fs, args); !ok {
		return code
	}
	if *stack == "" {
		fmt.Fprintln(stderr, "preview: --stack NAME is required")
		fs.Usage()
		return cli.Error
	}
	var outs map[string]any
	if *deployed != "" {
		b, err := os.ReadFile(*deployed)
		if err == nil {
			err = json.Unmarshal(b, &outs)
		}
		if err != nil {
			fmt.Fprintf(stderr, "preview: --deployed %s: %v\n", *deployed, err)
			return cli.Error
		}
	}
	plan, err := preview.Run(preview.Options{Root: *root, Stack: *stack, StackFile: *file, Deployed: outs, Checks: checks})
	var perr *policy.Error
	if err != nil && !errors.As(err, &perr) {
		fmt.Fprintln(stderr, err)
		return cli.Failed
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if plan.Resources == nil {
			plan.Resources = []policy.Resource{}
		}
		if werr := enc.Encode(plan.Resources); werr != nil {
			return cli.Fail(stderr, "preview", werr)
		}
	} else if werr := plan.WriteTree(stdout); werr != nil {
		return cli.Fail(stderr, "preview", werr)
	}
	if perr != nil {
		fmt.Fprintln(stderr, perr)
		return cli.Failed
	}
	return cli.OK
}
