// Package preview runs the Pulumi program offline under mocks with a stack's real
// stack file, records the resources it would create, and checks them against the
// policies of infra/policy. It needs no cloud credentials, no Pulumi CLI and no
// provider plugins. scripts/preview and the tests use it.
package preview

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
	"github.com/ai-agent-connector/ai-agent-connector/infra/program"
)

// Options select the stack.
type Options struct {
	Root      string // project root; "" = search upwards from the working directory
	Stack     string // stack name, e.g. aws-dev
	StackFile string // "" = <stackConfigDir>/Pulumi.<Stack>.yaml
	OutDir    string // artifact directory; "" = the build cache
	// Deployed are the outputs of the stack's last deployment (`pulumi stack output
	// --json`); nil previews the stack as never deployed.
	Deployed map[string]any
	// Checks are the policies the plan must pass; nil means policy.Checks().
	Checks []policy.Check
}

// Plan is what the stack would create.
type Plan struct {
	Project    string
	Stack      string
	StackFile  string
	Resources  []policy.Resource // components and custom resources, parents before children
	Outputs    map[string]any    // stack outputs
	Violations []policy.Violation
	Checks     int // how many policies the plan was checked against
	// Notes are what `pulumi preview` will refuse that the offline preview stood in
	// for (e.g. apiKeys not set yet).
	Notes []string
}

const apiKeysKey = config.Namespace + ":apiKeys"

// FakeAccount is the account ID the mocks put in ARNs.
const FakeAccount = "123456789012"

// Run previews the stack. An invalid config returns the config error (naming the stack
// file, key, value and what is allowed) and no plan. A plan that violates policy is
// returned together with a *policy.Error.
func Run(o Options) (*Plan, error) {
	root := o.Root
	if root == "" {
		var err error
		if root, err = config.FindRoot("."); err != nil {
			return nil, err
		}
	}
	sf, err := config.ReadStack(root, o.Stack, o.StackFile)
	if err != nil {
		return nil, err
	}
	values, secretKeys, err := sf.EngineConfig()
	if err != nil {
		return nil, err
	}
	// The engine path refuses a stack without apiKeys (config.Load). Offline, a
	// placeholder secret stands in, so the template itself can be checked before a
	// fork has keys; the note says what `pulumi preview` will ask for.
	var notes []string
	if _, ok := values[apiKeysKey]; !ok {
		values[apiKeysKey] = "offline-preview-placeholder"
		secretKeys = append(secretKeys, apiKeysKey)
		notes = append(notes, fmt.Sprintf("apiKeys is not set in %s: previewed with a placeholder; `pulumi preview` and `pulumi up` refuse the stack until you run `pulumi config set --secret apiKeys \"$(openssl rand -hex 32)\" -s %s`", sf.Rel, o.Stack))
	}
	// Provider settings the mocks fill in but a real deploy needs.
	switch values[config.Namespace+":cloud"] {
	case "gcp":
		if p := values["gcp:project"]; p == "" {
			notes = append(notes, fmt.Sprintf("gcp:project is not set in %s: the provider falls back to GOOGLE_PROJECT / gcloud's project; set it with `pulumi config set gcp:project <id> -s %s`", sf.Rel, o.Stack))
		} else if strings.HasPrefix(p, "my-gcp-project") {
			notes = append(notes, fmt.Sprintf("gcp:project %q is the template's placeholder: `pulumi config set gcp:project <your project id> -s %s`", p, o.Stack))
		}
	case "aws":
		if values["aws:region"] == "" {
			notes = append(notes, fmt.Sprintf("aws:region is not set in %s: the provider falls back to AWS_REGION / your profile's region", sf.Rel))
		}
	}
	region := values["aws:region"]
	if region == "" {
		region = "us-east-1"
	}
	mocks := &Mocks{Region: region, Account: FakeAccount, Deployed: o.Deployed}
	exports := map[string]pulumi.Output{}
	outputs := map[string]any{}
	var mu sync.Mutex
	prog := program.Program{Root: root, StackFile: sf.Path, OutDir: o.OutDir, Exports: exports}
	project := string(sf.Project.Name)

	err = pulumi.RunErr(func(ctx *pulumi.Context) error {
		if err := prog.Run(ctx); err != nil {
			return err
		}
		// Outputs built without the context (pulumi.String(...).ToStringOutput()) are
		// not tracked by RunErr's wait, so wait for every export's apply here: under
		// mocks (not a dry run) every value resolves.
		var pending sync.WaitGroup
		for k, v := range exports {
			pending.Add(1)
			v.ApplyT(func(x any) any {
				defer pending.Done()
				mu.Lock()
				defer mu.Unlock()
				outputs[k] = x
				return x
			})
		}
		pending.Wait()
		return nil
	}, pulumi.WithMocks(project, o.Stack, mocks), func(info *pulumi.RunInfo) {
		// What the engine would pass: stack values over Pulumi.yaml defaults; secure
		// values stay ciphertext, marked secret (nothing is decrypted offline).
		info.Config = values
		info.ConfigSecretKeys = secretKeys
	})
	if err != nil {
		return nil, unwrapRunError(err)
	}

	plan := &Plan{Project: project, Stack: o.Stack, StackFile: sf.Rel, Outputs: outputs, Notes: notes}
	plan.Resources = mocks.plan()
	checks := o.Checks
	if checks == nil {
		checks = policy.Checks()
	}
	plan.Checks = len(checks)
	plan.Violations = policy.EvaluateChecks(checks, plan.Resources)
	return plan, policy.Err(plan.Violations)
}

// unwrapRunError keeps the program's own error (the config message) when the SDK wraps it.
func unwrapRunError(err error) error {
	var inv *config.InvalidError
	if errors.As(err, &inv) {
		return inv
	}
	return err
}

// plan converts the recorded registrations into policy resources, parents first,
// siblings sorted by type and name so the output is stable.
func (m *Mocks) plan() []policy.Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	byParent := map[string][]recorded{}
	for _, r := range m.resources {
		if strings.HasPrefix(r.typ, "pulumi:providers:") {
			continue // default providers: plumbing, not part of the plan
		}
		byParent[r.parentURN] = append(byParent[r.parentURN], r)
	}
	var out []policy.Resource
	var walk func(parentURN, parentName string)
	seen := map[string]bool{}
	walk = func(parentURN, parentName string) {
		kids := byParent[parentURN]
		sort.Slice(kids, func(i, j int) bool {
			if kids[i].typ != kids[j].typ {
				return kids[i].typ < kids[j].typ
			}
			return kids[i].name < kids[j].name
		})
		for _, k := range kids {
			out = append(out, policy.Resource{Type: k.typ, Name: k.name, Parent: parentName, Inputs: plain(k.inputs), DependsOn: k.deps})
			u := urnOf(parentURN, k.typ, k.name)
			if !seen[u] {
				seen[u] = true
				walk(u, k.name)
			}
		}
	}
	// Top-level resources have the stack as parent (or none).
	for p := range byParent {
		if p == "" || strings.HasSuffix(p, "::"+stackType) || strings.Contains(p, "::"+stackType+"::") {
			walk(p, "")
		}
	}
	return out
}

const stackType = "pulumi:pulumi:Stack"

// urnOf rebuilds the URN the mock monitor gives a child: the parent's type chain plus the
// child's type (see the SDK's mock newURN).
func urnOf(parentURN, typ, name string) string {
	// urn:pulumi:<stack>::<project>::<qualified type>::<name>
	parts := strings.Split(parentURN, "::")
	if len(parts) < 4 {
		return ""
	}
	qualified := parts[2]
	if qualified == stackType {
		qualified = typ
	} else {
		qualified = qualified + "$" + typ
	}
	return parts[0] + "::" + parts[1] + "::" + qualified + "::" + name
}

// plain turns provider inputs into JSON-friendly values, hiding secrets.
func plain(m resource.PropertyMap) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if strings.HasPrefix(string(k), "__") {
			continue
		}
		out[string(k)] = plainValue(v)
	}
	return out
}

func plainValue(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return policy.Secret
	case v.IsComputed():
		return policy.Unknown
	case v.IsOutput():
		o := v.OutputValue()
		if o.Secret {
			return policy.Secret
		}
		if !o.Known {
			return policy.Unknown
		}
		return plainValue(o.Element)
	case v.IsArchive():
		a := v.ArchiveValue()
		if a.Path != "" {
			return "archive:" + filepath.Base(a.Path)
		}
		return "archive"
	case v.IsAsset():
		return "asset"
	case v.IsResourceReference():
		ref := v.ResourceReferenceValue()
		return string(ref.URN.Name())
	case v.IsObject():
		return plain(v.ObjectValue())
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, x := range arr {
			out[i] = plainValue(x)
		}
		return out
	case v.IsNull():
		return nil
	}
	return v.V
}
