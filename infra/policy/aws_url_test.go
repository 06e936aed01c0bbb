package policy_test

import (
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/aws"
	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
)

// urlPlan is a public Function URL with both statements, created after them.
func urlPlan() []policy.Resource {
	return []policy.Resource{
		res("aws:lambda/permission:Permission", "url-public", map[string]any{
			"action": "lambda:InvokeFunctionUrl", "principal": "*", "functionUrlAuthType": "NONE", "qualifier": "live",
		}),
		res("aws:cloudformation/stack:Stack", "url-invoke", map[string]any{
			"templateBody": aws.URLInvokeTemplate,
			"parameters":   map[string]any{"FunctionArn": "arn:aws:lambda:us-east-1:1:function:f:live"},
		}),
		{Type: "aws:lambda/functionUrl:FunctionUrl", Name: "url", Inputs: map[string]any{
			"authorizationType": "NONE", "qualifier": "live",
		}, DependsOn: []string{"fn", "url-public", "url-invoke"}},
	}
}

func TestFunctionURLPermissions(t *testing.T) {
	if vs := policy.Evaluate(urlPlan()); len(vs) != 0 {
		t.Fatalf("violations on a compliant URL plan: %v", vs)
	}
	const (
		permission = "aws:lambda/permission:Permission"
		cfnStack   = "aws:cloudformation/stack:Stack"
		url        = "aws:lambda/functionUrl:FunctionUrl"
		check      = "aws-function-url-permissions"
	)
	deps := func(names ...string) func(t *testing.T, rs []policy.Resource) []policy.Resource {
		return func(t *testing.T, rs []policy.Resource) []policy.Resource {
			rs[idxOf(t, rs, url)].DependsOn = names
			return rs
		}
	}
	rows := []row{
		// The code before this check: InvokeFunction with FunctionUrlAuthType.
		{name: "auth type on InvokeFunction", check: check, msg: "only accepted with lambda:InvokeFunctionUrl",
			add: []policy.Resource{res(permission, "url-invoke-old", map[string]any{
				"action": "lambda:InvokeFunction", "principal": "*", "functionUrlAuthType": "NONE", "qualifier": "live",
			})}},
		{name: "no InvokeFunction statement", check: check, msg: "InvokedViaFunctionUrl (required since October 2025)",
			drop: cfnStack, mutate: deps("url-public")},
		{name: "no InvokeFunctionUrl statement", check: check, msg: "needs a lambda:InvokeFunctionUrl permission", drop: permission},
		{name: "statement without the condition", check: check, msg: "without InvokedViaFunctionUrl: true", typ: cfnStack,
			edits: map[string]any{"templateBody": strings.Replace(aws.URLInvokeTemplate, `"InvokedViaFunctionUrl": true`, `"SourceAccount": "1"`, 1)}},
		{name: "statement for another alias", check: check, msg: "InvokedViaFunctionUrl (required since October 2025)", typ: cfnStack,
			edits: map[string]any{"parameters": map[string]any{"FunctionArn": "arn:aws:lambda:us-east-1:1:function:f:other"}}},
		{name: "URL before its permissions", check: check, msg: "is not created after its permission", mutate: deps("fn")},
	}
	for _, r := range rows {
		t.Run(r.String(), func(t *testing.T) { r.run(t, urlPlan()) })
	}
}
