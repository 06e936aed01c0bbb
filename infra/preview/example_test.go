package preview_test

import (
	"fmt"
	"log"

	"github.com/ai-agent-connector/ai-agent-connector/infra/preview"
)

// Run previews a committed stack offline: the real program over the real stack file,
// under mocks, then every policy check. No credentials, no Pulumi CLI, no plugins.
func ExampleRun() {
	plan, err := preview.Run(preview.Options{Stack: "aws-dev"}) // Root "": found upwards from here
	if err != nil {
		log.Fatal(err) // a config error names the file, key and value; a *policy.Error lists violations
	}
	fmt.Println(plan.Stack, plan.StackFile, len(plan.Resources) > 0, plan.Checks > 0, len(plan.Violations))
	// Output: aws-dev stacks/Pulumi.aws-dev.yaml true true 0
}
