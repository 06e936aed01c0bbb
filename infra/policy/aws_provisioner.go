package policy

import "strings"

const awsInvocation = "aws:lambda/invocation:Invocation"

// aws-role-provisioner: a stack that creates its RDS database makes database.user
// read-only at deploy (issue 12, "no manual SQL step"), so the plan must hold an
// aws.lambda.Invocation of a provisioner function, the connector function must wait
// for it (it would otherwise serve before its role exists: RDS Proxy's logins fail),
// and the credentials the provisioner needs must never be plain text:
//   - the invocation's input carries the master and role passwords, so it must be a
//     Pulumi secret (encrypted in the state; https://www.pulumi.com/docs/iac/concepts/secrets/);
//     a plain input is stored and shown in clear;
//   - the provisioner takes everything from that input and has no environment:
//     Lambda environment variables are returned in clear by GetFunctionConfiguration
//     to anyone with lambda:GetFunction*, which is why AWS advises Secrets Manager,
//     not environment variables, for database credentials
//     (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html).
//
// Existing-database stacks are not checked: their role is the user's. Listed in
// awsChecks (aws.go).
var awsRoleProvisionerCheck = Check{
	ID:          "aws-role-provisioner",
	Description: "a created RDS database gets its read-only role from a provisioner invocation the function waits for; its credentials are a secret input, never plain text or environment",
	Run:         awsRoleProvisioner,
}

func awsRoleProvisioner(rs []Resource) []Violation {
	dbs := OfType(rs, awsDBInstance)
	if len(dbs) == 0 {
		return nil
	}
	functions := map[string]Resource{} // by physical name
	for _, f := range OfType(rs, awsFunction) {
		functions[f.String("name")] = f
	}
	var out []Violation
	var runs []Resource
	provisioners := map[string]bool{} // resource names
	for _, inv := range OfType(rs, awsInvocation) {
		fn, ok := functions[inv.String("functionName")]
		if !ok {
			continue
		}
		runs = append(runs, inv)
		provisioners[fn.Name] = true
		if in := inv.String("input"); in != Secret {
			msg := "input is not a secret: it is stored in the state in clear"
			if lower := strings.ToLower(in); strings.Contains(lower, "password") || strings.Contains(lower, "secret") {
				msg = "input carries credentials in plain text: pass them with pulumi.ToSecret"
			}
			out = append(out, Violate(inv, "%s", msg))
		}
		if vars, _ := fn.Get("environment.variables"); vars != nil {
			if m, _ := vars.(map[string]any); len(m) > 0 || vars == Secret || vars == Unknown {
				out = append(out, Violate(fn, "the role provisioner has environment variables: its credentials must come only in the invocation's secret input (environment variables are readable with lambda:GetFunctionConfiguration)"))
			}
		}
	}
	if len(runs) == 0 {
		out = append(out, Violate(dbs[0], "the stack creates this database but no aws.lambda.Invocation of a role provisioner: database.user would have no read-only role and the function could not log in"))
		return out
	}
	for _, f := range OfType(rs, awsFunction) {
		if provisioners[f.Name] || f.String("environment.variables.DATABASE_URL") == "" {
			continue
		}
		waits := false
		for _, inv := range runs {
			waits = waits || f.Needs(inv.Name)
		}
		if !waits {
			out = append(out, Violate(f, "is not created after the role provisioner's invocation %s: it would serve before its database role exists", runs[0].Name))
		}
	}
	return out
}
