package workflow

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

const deployFile = ".github/workflows/deploy.yml"

func root(t *testing.T) string {
	t.Helper()
	r, err := config.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestActionlint fails on anything actionlint reports. The tool is built first
// (`go tool -n` builds it and prints its path), so the go command's own messages on a
// cold module cache ("go: downloading ...") are not mistaken for findings.
func TestActionlint(t *testing.T) {
	r := root(t)
	build := exec.Command("go", "tool", "-n", "actionlint")
	build.Dir = r
	var buildErr bytes.Buffer
	build.Stderr = &buildErr
	bin, err := build.Output()
	if err != nil {
		t.Fatalf("build actionlint: %v\n%s", err, buildErr.String())
	}
	cmd := exec.Command(strings.TrimSpace(string(bin)), "-no-color", deployFile)
	cmd.Dir = r
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if err != nil || out.Len() > 0 {
		t.Fatalf("actionlint %s: %v\n%s", deployFile, err, out.String())
	}
}

type workflow struct {
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		Strategy struct {
			Matrix struct {
				Include []struct{ Stack, Cloud string } `yaml:"include"`
			} `yaml:"matrix"`
		} `yaml:"strategy"`
		Steps []struct {
			Name string            `yaml:"name"`
			If   string            `yaml:"if"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// TestMatrixCoversEveryStack: preview on pull requests, up on main, one matrix entry per
// stack file with the stack's own cloud, and OIDC logins for every cloud.
func TestMatrixCoversEveryStack(t *testing.T) {
	r := root(t)
	b, err := os.ReadFile(filepath.Join(r, deployFile))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatalf("%s: %v", deployFile, err)
	}
	if _, ok := w.On["pull_request"]; !ok {
		t.Error("no pull_request trigger")
	}
	push, _ := w.On["push"].(map[string]any)
	if branches, _ := push["branches"].([]any); !slices.Contains(branches, any("main")) {
		t.Error("no push trigger on main")
	}
	if w.Permissions["id-token"] != "write" {
		t.Error("permissions.id-token must be write for OIDC")
	}
	job, ok := w.Jobs["stack"]
	if !ok {
		t.Fatal("no job 'stack'")
	}
	stacks, err := config.StackNames(r)
	if err != nil {
		t.Fatal(err)
	}
	var inMatrix []string
	for _, e := range job.Strategy.Matrix.Include {
		inMatrix = append(inMatrix, e.Stack)
		c, err := config.FromStackFile(r, e.Stack, "")
		if err != nil {
			t.Errorf("matrix stack %s: %v", e.Stack, err)
			continue
		}
		if string(c.Cloud) != e.Cloud {
			t.Errorf("matrix stack %s: cloud %s, but its stack file says %s", e.Stack, e.Cloud, c.Cloud)
		}
	}
	slices.Sort(inMatrix)
	if strings.Join(inMatrix, ",") != strings.Join(stacks, ",") {
		t.Errorf("matrix stacks %v, stack files %v: every stacks/Pulumi.<stack>.yaml needs an entry in the matrix of %s (`- stack: <stack>` and `cloud: <its cloud>`), and a deleted stack file its entry removed", inMatrix, stacks, deployFile)
	}
	uses := map[string]map[string]string{}
	for _, s := range job.Steps {
		name, _, _ := strings.Cut(s.Uses, "@")
		uses[name] = s.With
	}
	for action, input := range map[string]string{
		"aws-actions/configure-aws-credentials": "role-to-assume",
		"google-github-actions/auth":            "workload_identity_provider",
		"azure/login":                           "client-id",
		"pulumi/actions":                        "command",
	} {
		with, ok := uses[action]
		if !ok || with[input] == "" {
			t.Errorf("step %s with %s missing", action, input)
		}
	}
	if cmd := uses["pulumi/actions"]["command"]; !strings.Contains(cmd, "'preview'") || !strings.Contains(cmd, "'up'") {
		t.Errorf("pulumi command %q: want preview on pull requests and up otherwise", cmd)
	}
}

// TestAzureCodeIsPublished: `pulumi up` alone leaves an Azure app without code (Flex
// runs only what OneDeploy publishes; the package blob cannot be written with keys),
// so a step after it must run the stack's deployCommand on pushes.
func TestAzureCodeIsPublished(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root(t), deployFile))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	up := -1
	for i, s := range w.Jobs["stack"].Steps {
		if strings.HasPrefix(s.Uses, "pulumi/actions@") {
			up = i
		}
		if up >= 0 && i > up && strings.Contains(s.Run, "pulumi stack output deployCommand") {
			if !strings.Contains(s.If, "matrix.cloud == 'azure'") || !strings.Contains(s.If, "github.event_name != 'pull_request'") {
				t.Errorf("publish step %q runs when %q: want azure stacks on pushes", s.Name, s.If)
			}
			return
		}
	}
	t.Fatal("no step after pulumi up runs the stack's deployCommand")
}
