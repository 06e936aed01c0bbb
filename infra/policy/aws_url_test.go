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
			"templateBody": aws.UrlInvokeTemplate,
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
	tests := []struct {
		name   string
		mutate func(rs []policy.Resource) []policy.Resource
		msg    string
	}{
		// The code before this check: InvokeFunction with FunctionUrlAuthType.
		{"auth type on InvokeFunction", func(rs []policy.Resource) []policy.Resource {
			return append(rs, res("aws:lambda/permission:Permission", "url-invoke-old", map[string]any{
				"action": "lambda:InvokeFunction", "principal": "*", "functionUrlAuthType": "NONE", "qualifier": "live",
			}))
		}, "only accepted with lambda:InvokeFunctionUrl"},
		{"no InvokeFunction statement", func(rs []policy.Resource) []policy.Resource {
			rs[2].DependsOn = []string{"url-public"}
			return append(rs[:1], rs[2])
		}, "InvokedViaFunctionUrl (required since October 2025)"},
		{"no InvokeFunctionUrl statement", func(rs []policy.Resource) []policy.Resource { return rs[1:] }, "needs a lambda:InvokeFunctionUrl permission"},
		{"statement without the condition", func(rs []policy.Resource) []policy.Resource {
			rs[1].Inputs["templateBody"] = strings.Replace(aws.UrlInvokeTemplate, `"InvokedViaFunctionUrl": true`, `"SourceAccount": "1"`, 1)
			return rs
		}, "without InvokedViaFunctionUrl: true"},
		{"statement for another alias", func(rs []policy.Resource) []policy.Resource {
			rs[1].Inputs["parameters"] = map[string]any{"FunctionArn": "arn:aws:lambda:us-east-1:1:function:f:other"}
			return rs
		}, "InvokedViaFunctionUrl (required since October 2025)"},
		{"URL before its permissions", func(rs []policy.Resource) []policy.Resource { rs[2].DependsOn = []string{"fn"}; return rs }, "is not created after its permission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := policy.Evaluate(tt.mutate(urlPlan()))
			for _, v := range vs {
				if v.Check == "aws-function-url-permissions" && strings.Contains(v.Message, tt.msg) {
					return
				}
			}
			t.Fatalf("want aws-function-url-permissions %q, got %v", tt.msg, vs)
		})
	}
}
