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
// the pulumi CLI). url, when not empty, replaces the "url" output; with url and no
// outputsFile the Automation API is not asked (the URL is all an HTTP measurement needs).
func LoadStack(ctx context.Context, root, name, stackFile, outputsFile, url string) (*Stack, error) {
	cfg, err := config.FromStackFile(root, name, stackFile)
	if err != nil {
		return nil, err
	}
	var out Outputs
	switch {
	case outputsFile != "":
		out, err = ReadOutputsFile(outputsFile)
	case url != "":
		out = Outputs{Raw: map[string]any{"url": url}}
	default:
		out, err = StackOutputs(ctx, root, name)
	}
	if err != nil {
		return nil, err
	}
	if url != "" {
		out.URL = url
	}
	if out.Cloud == "" {
		out.Cloud = string(cfg.Cloud)
	}
	if out.Cloud != string(cfg.Cloud) {
		return nil, fmt.Errorf("stack %s: outputs say cloud %q but %s says %q: outputs of another stack?", name, out.Cloud, cfg.StackFile, cfg.Cloud)
	}
	if out.FunctionName == "" && out.URL == "" {
		return nil, fmt.Errorf("stack %s: neither output \"functionName\" nor \"url\" is known (give --outputs or --url)", name)
	}
	return &Stack{Name: name, Config: cfg, Outputs: out}, nil
}
