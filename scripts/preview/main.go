// Command preview shows, offline, what a stack would create: it runs the Pulumi
// program under mocks with stacks/Pulumi.<stack>.yaml, prints the resource tree (or
// JSON with --json) and runs the policy checks. No cloud credentials, no Pulumi CLI.
//
//	go run ./scripts/preview --stack aws-dev [--json] [--file path/to/Pulumi.x.yaml]
//
// Exit status: 0 plan OK, 1 invalid config or policy violation, 2 usage.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("preview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "stack name (stacks/Pulumi.NAME.yaml)")
	asJSON := fs.Bool("json", false, `print a JSON array of {"type","name","parent","inputs"}`)
	file := fs.String("file", "", "stack file to use instead of stacks/Pulumi.NAME.yaml")
	root := fs.String("root", "", "project root (default: the directory holding Pulumi.yaml, searched upwards)")
	deployed := fs.String("deployed", "", "outputs of the stack's last deployment (`pulumi stack output --json > FILE`): checks what `pulumi up` would refuse against them, e.g. a database.mode change")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *stack == "" {
		fmt.Fprintln(stderr, "preview: --stack NAME is required")
		fs.Usage()
		return 2
	}
	var outs map[string]any
	if *deployed != "" {
		b, err := os.ReadFile(*deployed)
		if err == nil {
			err = json.Unmarshal(b, &outs)
		}
		if err != nil {
			fmt.Fprintf(stderr, "preview: --deployed %s: %v\n", *deployed, err)
			return 2
		}
	}
	plan, err := preview.Run(preview.Options{Root: *root, Stack: *stack, StackFile: *file, Deployed: outs})
	var perr *policy.Error
	if err != nil && !errors.As(err, &perr) {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if plan.Resources == nil {
			plan.Resources = []policy.Resource{}
		}
		if werr := enc.Encode(plan.Resources); werr != nil {
			fmt.Fprintln(stderr, werr)
			return 1
		}
	} else if werr := plan.WriteTree(stdout); werr != nil {
		fmt.Fprintln(stderr, werr)
		return 1
	}
	if perr != nil {
		fmt.Fprintln(stderr, perr)
		return 1
	}
	return 0
}
