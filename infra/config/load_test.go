package config_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

type noMocks struct{}

func (noMocks) NewResource(a pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	return a.Name, a.Inputs, nil
}
func (noMocks) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// load runs config.Load inside a mocked program with engine-style config.
func load(t *testing.T, stack string, values map[string]string, secret []string) (*config.Config, error) {
	t.Helper()
	var c *config.Config
	var loadErr error
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		c, loadErr = config.Load(ctx, config.Options{Root: root(t), StackFile: filepath.Join(t.TempDir(), "Pulumi."+stack+".yaml")})
		return nil
	}, pulumi.WithMocks("ai-agent-connector", stack, noMocks{}), func(info *pulumi.RunInfo) {
		info.Config, info.ConfigSecretKeys = values, secret
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, loadErr
}

// TestLoadFromEngine: under the engine, values (and secrets) come from ctx; a stack
// without a file (e.g. all config from an ESC environment) is fine.
func TestLoadFromEngine(t *testing.T) {
	c, err := load(t, "esc", map[string]string{
		"ai-agent-connector:cloud":    "aws",
		"ai-agent-connector:memoryMB": "1024",
		"ai-agent-connector:apiKeys":  "k1,k2",
		"ai-agent-connector:aws":      `{"functionUrlAuth":"AWS_IAM"}`,
	}, []string{"ai-agent-connector:apiKeys"})
	if err != nil {
		t.Fatal(err)
	}
	if c.MemoryMB != 1024 || c.AWS.FunctionURLAuth != "AWS_IAM" || !c.APIKeys.IsSet() || c.Stack != "esc" {
		t.Errorf("got %+v", c)
	}
}

// TestLoadRejectsPlainSecretFromEngine: a secret key the engine did not mark secret.
func TestLoadRejectsPlainSecretFromEngine(t *testing.T) {
	_, err := load(t, "esc", map[string]string{
		"ai-agent-connector:cloud":   "aws",
		"ai-agent-connector:apiKeys": "hunter2",
	}, nil)
	if err == nil || !strings.Contains(err.Error(), "ai-agent-connector:apiKeys") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("want a plain-secret error without the value, got %v", err)
	}
}
