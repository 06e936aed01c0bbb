// Command ai-agent-connector is the Pulumi program (runtime go): see infra/program.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/program"
)

func main() { pulumi.Run(program.Run) }
