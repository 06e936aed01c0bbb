package aws_test

import (
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview/plantest"
)

// TestAWSExistingDatabaseWithCMK: an existing database whose secret has a
// customer-managed key gets kms:Decrypt for the proxy, through Secrets Manager only
// (deploy review minor 9); the stack creates no database, no secret of its own.
func TestAWSExistingDatabaseWithCMK(t *testing.T) {
	const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	file := plantest.WriteStack(t, `config:
  aws:region: eu-west-1
  ai-agent-connector:cloud: aws
  ai-agent-connector:database:
    mode: existing
    user: agent_ro
    maxConnections: 100
  ai-agent-connector:aws:
    vpcId: vpc-0abc
    subnetIds: [subnet-1, subnet-2]
    existingDbInstanceId: shared-pg
    existingDbSecretArn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:agent-ro-AbCdEf
    existingDbSecurityGroupId: sg-0abc
    existingDbSecretKmsKeyArn: `+key+"\n")
	plan, err := preview.Run(preview.Options{Root: plantest.Root(t), Stack: "test", StackFile: file})
	if err != nil {
		t.Fatal(err)
	}
	plantest.Eq(t, "secrets created", len(policy.OfType(plan.Resources, "aws:secretsmanager/secret:Secret")), 0)
	var doc string
	for _, p := range policy.OfType(plan.Resources, "aws:iam/rolePolicy:RolePolicy") {
		if strings.HasSuffix(p.Name, "-proxy-secret") {
			doc = p.String("policy")
		}
	}
	for _, want := range []string{`"kms:Decrypt"`, `"Resource":"` + key + `"`, `"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"`, `secret:agent-ro-AbCdEf`} {
		if !strings.Contains(doc, want) {
			t.Errorf("proxy policy lacks %s:\n%s", want, doc)
		}
	}
	if _, ok := plan.Outputs["dbRoleCommand"]; ok {
		t.Error("dbRoleCommand exported for an existing database (the stack knows no admin)")
	}
}
