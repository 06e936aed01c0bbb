package measure

import (
	"reflect"
	"slices"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/aws"
	"github.com/ai-agent-connector/ai-agent-connector/infra/azure"
	"github.com/ai-agent-connector/ai-agent-connector/infra/gcp"
)

// TestOutputNamesAreDeclared: the tools read stack outputs by the names in Outputs' json
// tags; each must be one the program exports, i.e. a pulumi tag of a component (where
// each output is declared), or "cloud", which infra/program adds itself. The tooling
// may not import a component (internal/layout), so this test, not the code, ties them.
func TestOutputNamesAreDeclared(t *testing.T) {
	declared := map[string][]string{"cloud": {"infra/program"}}
	for name, c := range map[string]any{"aws": aws.Connector{}, "gcp": gcp.Connector{}, "azure": azure.Connector{}} {
		ct := reflect.TypeOf(c)
		for i := range ct.NumField() {
			if tag, ok := ct.Field(i).Tag.Lookup("pulumi"); ok {
				declared[tag] = append(declared[tag], name)
			}
		}
	}
	fields := stringFields()
	if len(fields) != 4 {
		t.Errorf("Outputs reads %d outputs, want 4 (cloud, url, functionName, aliasArn)", len(fields))
	}
	for _, f := range fields {
		name := jsonName(f)
		if len(declared[name]) == 0 {
			t.Errorf("Outputs.%s reads output %q, which no component declares", f.Name, name)
		}
	}
	// url is what every tool reaches a stack by, so every cloud must declare it.
	for _, cloud := range []string{"aws", "gcp", "azure"} {
		if !slices.Contains(declared["url"], cloud) {
			t.Errorf("the %s component declares no \"url\" output", cloud)
		}
	}
}
