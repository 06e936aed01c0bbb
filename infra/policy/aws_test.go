package policy_test

import (
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
)

func res(typ, name string, in map[string]any) policy.Resource {
	return policy.Resource{Type: typ, Name: name, Inputs: in}
}

// good is a minimal compliant AWS plan; each row below breaks one thing.
func good() []policy.Resource {
	rs := []policy.Resource{
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
		// The role provisioner (created database): its function (after the connector's,
		// so edits by type still reach the connector) and its invocation, which the
		// connector function waits for.
		res("aws:lambda/function:Function", "dbrole-fn", map[string]any{
			"name": "f-dbrole", "tracingConfig": map[string]any{"mode": "Active"}, "loggingConfig": map[string]any{"logGroup": "/aws/lambda/f"},
		}),
		res("aws:lambda/invocation:Invocation", "dbrole-run", map[string]any{"functionName": "f-dbrole", "input": policy.Secret}),
	}
	rs[3].DependsOn = []string{"dbrole-run"}
	return rs
}

func TestGoodPlanPasses(t *testing.T) {
	if vs := policy.Evaluate(good()); len(vs) != 0 {
		t.Fatalf("violations on a compliant plan: %v", vs)
	}
}

func TestEachCheckCatchesItsViolation(t *testing.T) {
	const (
		instance  = "aws:rds/instance:Instance"
		params    = "aws:rds/parameterGroup:ParameterGroup"
		proxy     = "aws:rds/proxy:Proxy"
		fn        = "aws:lambda/function:Function"
		logGroup  = "aws:cloudwatch/logGroup:LogGroup"
		rolePol   = "aws:iam/rolePolicy:RolePolicy"
		attach    = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
		ingress   = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
		permitTyp = "aws:lambda/permission:Permission"
		invoke    = "aws:lambda/invocation:Invocation"
	)
	byName := func(name string, f func(r *policy.Resource)) func(t *testing.T, rs []policy.Resource) []policy.Resource {
		return func(t *testing.T, rs []policy.Resource) []policy.Resource {
			for i := range rs {
				if rs[i].Name == name {
					f(&rs[i])
					return rs
				}
			}
			t.Fatalf("no resource %s", name)
			return nil
		}
	}
	rows := []row{
		{check: "aws-encryption-at-rest", msg: "storageEncrypted", typ: instance, edits: map[string]any{"storageEncrypted": false}},
		{check: "aws-no-public-database", msg: "publiclyAccessible", typ: instance, edits: map[string]any{"publiclyAccessible": true}},
		{check: "aws-no-public-database", msg: "whole internet", typ: ingress, edits: map[string]any{"cidrIpv4": "0.0.0.0/0"}},
		{check: "aws-tracing-on", msg: "Active", typ: fn, edits: map[string]any{"tracingConfig.mode": "PassThrough"}},
		{check: "aws-log-retention", msg: "retentionInDays", typ: logGroup, edits: map[string]any{"retentionInDays": nil}},
		{check: "aws-log-retention", msg: "/aws/lambda/g", typ: fn, edits: map[string]any{"loggingConfig": nil, "name": "g"}},
		{check: "aws-least-privilege-iam", msg: `wildcard action "s3:*"`, typ: rolePol,
			edits: map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}`}},
		{check: "aws-least-privilege-iam", msg: `rds-db:connect on resource "*"`, typ: rolePol,
			edits: map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Action":["rds-db:connect"],"Resource":"*"}]}`}},
		{check: "aws-least-privilege-iam", msg: "AdministratorAccess", typ: attach, edits: map[string]any{"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}},
		{check: "aws-least-privilege-iam", msg: "invoked directly",
			add: []policy.Resource{res(permitTyp, "open", map[string]any{"action": "lambda:InvokeFunction", "principal": "*"})}},
		{check: "aws-tls-to-database", msg: "requireTls", typ: proxy, edits: map[string]any{"requireTls": false}},
		{check: "aws-tls-to-database", msg: "iamAuth", typ: proxy, edits: map[string]any{"auths": []any{map[string]any{"iamAuth": "DISABLED"}}}},
		{check: "aws-tls-to-database", msg: "rds.force_ssl", typ: params, edits: map[string]any{"parameters": []any{}}},
		{check: "aws-tls-to-database", msg: "sslmode", typ: fn,
			edits: map[string]any{"environment.variables.DATABASE_URL": "postgres://u:pw@px:5432/db?sslmode=disable"}},
		// aws-role-provisioner: no invocation (the code before the provisioner), a
		// function that serves before it, credentials in plain text in the input or in
		// the provisioner's environment.
		{check: "aws-role-provisioner", msg: "no aws.lambda.Invocation of a role provisioner", drop: invoke},
		{check: "aws-role-provisioner", msg: "would serve before its database role exists", mutate: byName("fn", func(r *policy.Resource) { r.DependsOn = nil })},
		{check: "aws-role-provisioner", msg: "credentials in plain text", typ: invoke,
			edits: map[string]any{"input": `{"host":"db","adminSecret":"{\"username\":\"aacadmin\",\"password\":\"hunter2\"}"}`}},
		{check: "aws-role-provisioner", msg: "has environment variables", mutate: byName("dbrole-fn", func(r *policy.Resource) {
			r.Inputs["environment"] = map[string]any{"variables": map[string]any{"ADMIN_PASSWORD": policy.Secret}}
		})},
	}
	for _, r := range rows {
		t.Run(r.String(), func(t *testing.T) { r.run(t, good()) })
	}
}
