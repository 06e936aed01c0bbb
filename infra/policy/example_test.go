package policy_test

import (
	"fmt"

	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
)

// A plan is the list of resources a stack would create (infra/preview records it
// under mocks); Evaluate runs every cloud's checks over it and Err turns the
// violations into the error scripts/preview exits 1 with.
func ExampleEvaluate() {
	plan := []policy.Resource{{
		Type: "aws:rds/instance:Instance",
		Name: "db",
		Inputs: map[string]any{
			"storageEncrypted":   false,
			"publiclyAccessible": true,
		},
	}}
	for _, v := range policy.Evaluate(plan) {
		fmt.Println(v)
	}
	fmt.Println(policy.Err(nil))
	// Output:
	// policy aws-encryption-at-rest: aws:rds/instance:Instance::db: storageEncrypted must be true
	// policy aws-no-public-database: aws:rds/instance:Instance::db: publiclyAccessible must be false
	// policy aws-role-provisioner: aws:rds/instance:Instance::db: the stack creates this database but no aws.lambda.Invocation of a role provisioner: database.user would have no read-only role and the function could not log in
	// policy aws-tls-to-database: aws:rds/instance:Instance::db: needs a parameter group with rds.force_ssl = 1
	// <nil>
}
