package policy_test

import (
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
)

func res(typ, name string, in map[string]any) policy.Resource {
	return policy.Resource{Type: typ, Name: name, Inputs: in}
}

// good is a minimal compliant AWS plan; each row below breaks one thing.
func good() []policy.Resource {
	return []policy.Resource{
		res("aws:rds/instance:Instance", "db", map[string]any{"storageEncrypted": true, "publiclyAccessible": false, "parameterGroupName": "p"}),
		res("aws:rds/parameterGroup:ParameterGroup", "p", map[string]any{"parameters": []any{map[string]any{"name": "rds.force_ssl", "value": "1"}}}),
		res("aws:rds/proxy:Proxy", "px", map[string]any{"requireTls": true, "auths": []any{map[string]any{"iamAuth": "REQUIRED"}}}),
		res("aws:lambda/function:Function", "fn", map[string]any{
			"name": "f", "tracingConfig": map[string]any{"mode": "Active"}, "loggingConfig": map[string]any{"logGroup": "/aws/lambda/f"},
			"environment": map[string]any{"variables": map[string]any{"DATABASE_URL": "postgres://u@px:5432/db?sslmode=verify-full"}},
		}),
		res("aws:cloudwatch/logGroup:LogGroup", "lg", map[string]any{"name": "/aws/lambda/f", "retentionInDays": 14.0}),
		res("aws:iam/rolePolicy:RolePolicy", "pol", map[string]any{"policy": `{"Statement":[
			{"Effect":"Allow","Action":["logs:PutLogEvents"],"Resource":"arn:aws:logs:r:1:log-group:/aws/lambda/f:*"},
			{"Effect":"Allow","Action":["xray:PutTraceSegments","xray:PutTelemetryRecords"],"Resource":"*"}]}`}),
		res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "eni", map[string]any{"policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaENIManagementAccess"}),
		res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "in", map[string]any{"referencedSecurityGroupId": "sg-1"}),
	}
}

func TestGoodPlanPasses(t *testing.T) {
	if vs := policy.Evaluate(good()); len(vs) != 0 {
		t.Fatalf("violations on a compliant plan: %v", vs)
	}
}

func TestEachCheckCatchesItsViolation(t *testing.T) {
	tests := []struct {
		check  string
		mutate func(rs []policy.Resource) []policy.Resource
		msg    string
	}{
		{"aws-encryption-at-rest", func(rs []policy.Resource) []policy.Resource { rs[0].Inputs["storageEncrypted"] = false; return rs }, "storageEncrypted"},
		{"aws-no-public-database", func(rs []policy.Resource) []policy.Resource { rs[0].Inputs["publiclyAccessible"] = true; return rs }, "publiclyAccessible"},
		{"aws-no-public-database", func(rs []policy.Resource) []policy.Resource { rs[7].Inputs["cidrIpv4"] = "0.0.0.0/0"; return rs }, "whole internet"},
		{"aws-tracing-on", func(rs []policy.Resource) []policy.Resource {
			rs[3].Inputs["tracingConfig"] = map[string]any{"mode": "PassThrough"}
			return rs
		}, "Active"},
		{"aws-log-retention", func(rs []policy.Resource) []policy.Resource { delete(rs[4].Inputs, "retentionInDays"); return rs }, "retentionInDays"},
		{"aws-log-retention", func(rs []policy.Resource) []policy.Resource {
			delete(rs[3].Inputs, "loggingConfig")
			rs[3].Inputs["name"] = "g"
			return rs
		}, "/aws/lambda/g"},
		{"aws-least-privilege-iam", func(rs []policy.Resource) []policy.Resource {
			rs[5].Inputs["policy"] = `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}`
			return rs
		}, `wildcard action "s3:*"`},
		{"aws-least-privilege-iam", func(rs []policy.Resource) []policy.Resource {
			rs[5].Inputs["policy"] = `{"Statement":[{"Effect":"Allow","Action":["rds-db:connect"],"Resource":"*"}]}`
			return rs
		}, `rds-db:connect on resource "*"`},
		{"aws-least-privilege-iam", func(rs []policy.Resource) []policy.Resource {
			rs[6].Inputs["policyArn"] = "arn:aws:iam::aws:policy/AdministratorAccess"
			return rs
		}, "AdministratorAccess"},
		{"aws-least-privilege-iam", func(rs []policy.Resource) []policy.Resource {
			return append(rs, res("aws:lambda/permission:Permission", "open", map[string]any{"action": "lambda:InvokeFunction", "principal": "*"}))
		}, "invoked directly"},
		{"aws-tls-to-database", func(rs []policy.Resource) []policy.Resource { rs[2].Inputs["requireTls"] = false; return rs }, "requireTls"},
		{"aws-tls-to-database", func(rs []policy.Resource) []policy.Resource {
			rs[2].Inputs["auths"] = []any{map[string]any{"iamAuth": "DISABLED"}}
			return rs
		}, "iamAuth"},
		{"aws-tls-to-database", func(rs []policy.Resource) []policy.Resource { rs[1].Inputs["parameters"] = []any{}; return rs }, "rds.force_ssl"},
		{"aws-tls-to-database", func(rs []policy.Resource) []policy.Resource {
			rs[3].Inputs["environment"] = map[string]any{"variables": map[string]any{"DATABASE_URL": "postgres://u:pw@px:5432/db?sslmode=disable"}}
			return rs
		}, "sslmode"},
	}
	for _, tc := range tests {
		t.Run(tc.check+"/"+tc.msg, func(t *testing.T) {
			vs := policy.Evaluate(tc.mutate(good()))
			found := false
			for _, v := range vs {
				if v.Check == tc.check && strings.Contains(v.Message, tc.msg) {
					found = true
				}
			}
			if !found {
				t.Fatalf("want a %s violation mentioning %q, got %v", tc.check, tc.msg, vs)
			}
			if err := policy.Err(vs); err == nil || !strings.Contains(err.Error(), tc.check) {
				t.Errorf("Err = %v", err)
			}
		})
	}
}
