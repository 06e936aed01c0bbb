package measure

import (
	"context"
	"fmt"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

// Stack is a deployed stack as the tools see it: its validated config (from the stack file)
// and its outputs (from a saved `pulumi stack output --json` or the Automation API).
type Stack struct {
	Name    string
	Config  *config.Config
	Outputs Outputs
}

// LoadStack reads stacks/Pulumi.<name>.yaml under root (or stackFile when not empty) and
// the stack's outputs: from outputsFile when given, else through the Automation API (needs
// the pulumi CLI).
func LoadStack(ctx context.Context, root, name, stackFile, outputsFile string) (*Stack, error) {
	cfg, err := config.FromStackFile(root, name, stackFile)
	if err != nil {
		return nil, err
	}
	var out Outputs
	if outputsFile != "" {
		out, err = ReadOutputsFile(outputsFile)
	} else {
		out, err = StackOutputs(ctx, root, name)
	}
	if err != nil {
		return nil, err
	}
	if out.Cloud == "" {
		out.Cloud = string(cfg.Cloud)
	}
	if out.Cloud != string(cfg.Cloud) {
		return nil, fmt.Errorf("stack %s: outputs say cloud %q but %s says %q: outputs of another stack?", name, out.Cloud, cfg.StackFile, cfg.Cloud)
	}
	if out.Cloud == "aws" && out.FunctionName == "" {
		return nil, fmt.Errorf("stack %s: output \"functionName\" is missing; it is needed to invoke the function", name)
	}
	if out.Cloud != "aws" && out.URL == "" {
		return nil, fmt.Errorf("stack %s: output \"url\" is missing", name)
	}
	return &Stack{Name: name, Config: cfg, Outputs: out}, nil
}
