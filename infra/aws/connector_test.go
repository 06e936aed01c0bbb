package aws_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/aws"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview"
)

// Variations the committed stacks do not cover, each from a small temp stack file.
func TestVariations(t *testing.T) {
	root, err := config.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	const base = "config:\n  aws:region: eu-west-1\n  ai-agent-connector:cloud: aws\n"
	tests := []struct {
		name  string
		yaml  string
		check func(t *testing.T, p *preview.Plan)
	}{
		{"existing database and VPC", base +
			"  ai-agent-connector:database:\n    mode: existing\n    user: agent_ro\n    maxConnections: 200\n" +
			"  ai-agent-connector:aws:\n    vpcId: vpc-0abc\n    subnetIds: [subnet-a, subnet-b]\n    existingDbInstanceId: orders-db\n" +
			"    existingDbSecretArn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:agent-ro-AbCdEf\n    existingDbSecurityGroupId: sg-0db\n",
			func(t *testing.T, p *preview.Plan) {
				for _, typ := range []string{"aws:rds/instance:Instance", "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:rds/parameterGroup:ParameterGroup"} {
					if n := len(policy.OfType(p.Resources, typ)); n != 0 {
						t.Errorf("%d %s with an existing database and VPC", n, typ)
					}
				}
				target := one(t, p, "aws:rds/proxyTarget:ProxyTarget")
				want(t, "proxy target", target.String("dbInstanceIdentifier"), "orders-db")
				px := one(t, p, "aws:rds/proxy:Proxy")
				subnets, _ := px.Get("vpcSubnetIds")
				want(t, "proxy subnets", subnets.([]any)[0], "subnet-a")
				auths, _ := px.Get("auths")
				want(t, "proxy secret", auths.([]any)[0].(map[string]any)["secretArn"], "arn:aws:secretsmanager:eu-west-1:123456789012:secret:agent-ro-AbCdEf")
				var fromProxy bool
				for _, r := range policy.OfType(p.Resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
					fromProxy = fromProxy || r.String("securityGroupId") == "sg-0db"
				}
				if !fromProxy {
					t.Error("no ingress rule from the proxy on the existing database's security group")
				}
				fn := one(t, p, "aws:lambda/function:Function") // no role provisioner: the role is the user's
				if n := len(policy.OfType(p.Resources, "aws:lambda/invocation:Invocation")); n != 0 {
					t.Errorf("%d provisioner invocations with an existing database", n)
				}
				if u := fn.String("environment.variables.DATABASE_URL"); !strings.HasPrefix(u, "postgres://agent_ro@") {
					t.Errorf("DATABASE_URL = %q, want user agent_ro", u)
				}
			}},
		{"IAM-authenticated URL", base + "  ai-agent-connector:aws:\n    functionUrlAuth: AWS_IAM\n",
			func(t *testing.T, p *preview.Plan) {
				want(t, "url auth", one(t, p, "aws:lambda/functionUrl:FunctionUrl").String("authorizationType"), "AWS_IAM")
				if n := len(policy.OfType(p.Resources, "aws:lambda/permission:Permission")); n != 0 {
					t.Errorf("%d public invoke permissions on an AWS_IAM URL", n)
				}
			}},
		{"secret API keys stay secret", base + "  ai-agent-connector:apiKeys:\n    secure: v1:c2FsdA==:b3BhcXVl\n",
			func(t *testing.T, p *preview.Plan) {
				fn := connector(t, p)
				if v, _ := fn.Get("environment.variables.API_KEYS"); v != policy.Secret {
					t.Errorf("API_KEYS = %v, want %s", v, policy.Secret)
				}
				b, _ := json.Marshal(p.Resources)
				if strings.Contains(string(b), "b3BhcXVl") {
					t.Error("the secret's ciphertext appears in the plan")
				}
			}},
		{"warm instances on the alias", base + "  ai-agent-connector:warmInstances: 3\n  ai-agent-connector:maxInstances: 8\n",
			func(t *testing.T, p *preview.Plan) {
				pc := one(t, p, "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig")
				want(t, "provisioned", pc.Number("provisionedConcurrentExecutions"), 3.0)
				want(t, "qualifier", pc.String("qualifier"), "live")
				want(t, "reserved", connector(t, p).Number("reservedConcurrentExecutions"), 8.0)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "Pulumi.test.yaml")
			if err := os.WriteFile(file, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := preview.Run(preview.Options{Root: root, Stack: "test", StackFile: file})
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, p)
		})
	}
}

func one(t *testing.T, p *preview.Plan, typ string) policy.Resource {
	t.Helper()
	rs := policy.OfType(p.Resources, typ)
	if len(rs) != 1 {
		t.Fatalf("want 1 %s, got %d", typ, len(rs))
	}
	return rs[0]
}

// connector is the connector function (a created database adds the role provisioner).
func connector(t *testing.T, p *preview.Plan) policy.Resource {
	t.Helper()
	var fns []policy.Resource
	for _, f := range policy.OfType(p.Resources, "aws:lambda/function:Function") {
		if !strings.HasSuffix(f.String("name"), aws.ProvisionerSuffix) {
			fns = append(fns, f)
		}
	}
	if len(fns) != 1 {
		t.Fatalf("want 1 connector function, got %d", len(fns))
	}
	return fns[0]
}

func want(t *testing.T, what string, got, w any) {
	t.Helper()
	if got != w {
		t.Errorf("%s = %v, want %v", what, got, w)
	}
}
