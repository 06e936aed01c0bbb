package preview

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Mocks stands in for the Pulumi engine and the cloud providers: it records every
// resource the program registers and answers with the inputs plus plausible values for
// the outputs a provider would compute (ARNs, endpoints, URLs), so the program's
// dependent inputs are concrete in the plan. No cloud and no CLI are involved.
type Mocks struct {
	Region  string // aws:region of the stack
	Account string // fake account ID used in ARNs
	// Deployed are the outputs of the stack's last deployment (`pulumi stack output
	// --json`), which the program reads through a reference to its own stack; nil: a
	// stack never deployed.
	Deployed map[string]any

	mu        sync.Mutex
	resources []recorded
}

type recorded struct {
	urn, parentURN, typ, name string
	custom                    bool
	inputs                    resource.PropertyMap
	deps                      []string // names of the resources it depends on
}

// outputsFunc adds provider-computed outputs for a type token family.
type outputsFunc func(m *Mocks, typ, name string, in resource.PropertyMap, set func(key string, v any)) (id string)

// providers maps a type token prefix to the function that fills its computed outputs;
// each function is in its cloud's file (aws.go, gcp.go, azure.go). A new cloud adds
// its prefix here; a prefix not listed gets no computed outputs.
var providers = map[string]outputsFunc{
	"aws":          awsOutputs,
	"gcp":          gcpOutputs,
	"azure-native": azureOutputs,
}

// NewResource implements pulumi.MockResourceMonitor.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if args.TypeToken == "pulumi:pulumi:StackReference" {
		// A read of the stack's own last outputs, not a planned resource.
		outs := m.Deployed
		if outs == nil {
			outs = map[string]any{}
		}
		return args.ID, resource.NewPropertyMapFromMap(map[string]any{
			"name": args.ID, "outputs": outs, "secretOutputNames": []any{},
		}), nil
	}
	parent := ""
	urn := ""
	var deps []string
	if args.RegisterRPC != nil {
		parent = args.RegisterRPC.GetParent()
		for _, d := range args.RegisterRPC.GetDependencies() {
			deps = append(deps, d[strings.LastIndex(d, "::")+2:])
		}
	}
	m.mu.Lock()
	m.resources = append(m.resources, recorded{
		parentURN: parent, typ: args.TypeToken, name: args.Name, custom: args.Custom, inputs: args.Inputs.Copy(), urn: urn, deps: deps,
	})
	m.mu.Unlock()
	if !args.Custom {
		return "", args.Inputs, nil // components have no provider
	}
	out := args.Inputs.Copy()
	set := func(k string, v any) {
		have, ok := out[resource.PropertyKey(k)]
		if !ok {
			out[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
			return
		}
		// An input object the provider extends with computed fields (e.g. an
		// azure-native secret's properties.secretUri): add the missing fields.
		if add, isMap := v.(map[string]any); isMap && have.IsObject() {
			merged := have.ObjectValue().Copy()
			for mk, mv := range add {
				if _, exists := merged[resource.PropertyKey(mk)]; !exists {
					merged[resource.PropertyKey(mk)] = resource.NewPropertyValue(mv)
				}
			}
			out[resource.PropertyKey(k)] = resource.NewObjectProperty(merged)
		}
	}
	id := args.Name + "-" + shortHash(args.Name)
	prefix, _, _ := strings.Cut(args.TypeToken, ":")
	if f, ok := providers[prefix]; ok {
		if got := f(m, args.TypeToken, args.Name, args.Inputs, set); got != "" {
			id = got
		}
	}
	return id, out, nil
}

// Call implements pulumi.MockResourceMonitor (provider functions, "invokes").
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		r := m.Region
		return resource.NewPropertyMapFromMap(map[string]any{
			"id":      r,
			"names":   []any{r + "a", r + "b", r + "c"},
			"zoneIds": []any{"use1-az1", "use1-az2", "use1-az4"},
		}), nil
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{"name": m.Region, "id": m.Region}), nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{"accountId": m.Account, "id": m.Account}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{"partition": "aws", "id": "aws"}), nil
	}
	if f, ok := calls[args.Token]; ok {
		return f(m, args.Args)
	}
	return resource.PropertyMap{}, nil
}

// calls answers the provider functions the components call, by token.
var calls = map[string]func(m *Mocks, args resource.PropertyMap) (resource.PropertyMap, error){
	"azure-native:authorization:getClientConfig":           azureClientConfig,
	"aws:secretsmanager/getSecretVersion:getSecretVersion": awsSecretVersion,
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])[:8]
}
