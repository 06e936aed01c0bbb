package policy

import (
	"encoding/json"
	"fmt"
	"strings"
)

// AWS type tokens the checks look at.
const (
	awsDBInstance     = "aws:rds/instance:Instance"
	awsDBCluster      = "aws:rds/cluster:Cluster"
	awsDBProxy        = "aws:rds/proxy:Proxy"
	awsDBParams       = "aws:rds/parameterGroup:ParameterGroup"
	awsFunction       = "aws:lambda/function:Function"
	awsLogGroup       = "aws:cloudwatch/logGroup:LogGroup"
	awsRolePolicy     = "aws:iam/rolePolicy:RolePolicy"
	awsPolicy         = "aws:iam/policy:Policy"
	awsAttachment     = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	awsPermission     = "aws:lambda/permission:Permission"
	awsFunctionURL    = "aws:lambda/functionUrl:FunctionUrl"
	awsCfnStack       = "aws:cloudformation/stack:Stack"
	awsIngressRule    = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	awsSecurityGroup  = "aws:ec2/securityGroup:SecurityGroup"
	awsSecurityGroupR = "aws:ec2/securityGroupRule:SecurityGroupRule"
)

// resourceStarActions have no resource-level permissions in IAM: "*" is the only
// resource they can be granted on. Anything else on "*" is a violation.
var resourceStarActions = map[string]bool{
	"xray:PutTraceSegments":    true,
	"xray:PutTelemetryRecords": true,
	"xray:GetSamplingRules":    true,
	"xray:GetSamplingTargets":  true,
}

// allowedManagedPolicies are the AWS managed policies a role here may carry.
var allowedManagedPolicies = map[string]bool{
	"arn:aws:iam::aws:policy/service-role/AWSLambdaENIManagementAccess": true,
}

// awsChecks are the AWS policies; checks in policy.go lists them with the other clouds'.
var awsChecks = []Check{
	Check{ID: "aws-encryption-at-rest", Description: "RDS storage is encrypted", Run: awsEncryption},
	Check{ID: "aws-no-public-database", Description: "no database is publicly accessible or open to the internet", Run: awsNoPublicDB},
	Check{ID: "aws-tracing-on", Description: "Lambda functions have X-Ray active tracing", Run: awsTracing},
	Check{ID: "aws-log-retention", Description: "log groups have a retention; functions log to one of them", Run: awsLogRetention},
	Check{ID: "aws-least-privilege-iam", Description: "no wildcard actions; \"*\" resources only where IAM has no resource-level permissions; only allowed managed policies", Run: awsLeastPrivilege},
	Check{ID: "aws-function-url-permissions", Description: "a public Function URL has lambda:InvokeFunctionUrl (FunctionUrlAuthType NONE) and lambda:InvokeFunction (InvokedViaFunctionUrl) before it exists; FunctionUrlAuthType only on InvokeFunctionUrl", Run: awsFunctionURLPermissions},
	Check{ID: "aws-function-not-admin", Description: "the function's database user is not the RDS master user; the proxy reads database.user's own secret, not the master secret", Run: awsFunctionNotAdmin},
	Check{ID: "aws-tls-to-database", Description: "RDS Proxy requires TLS and IAM auth; created databases force SSL; the function connects with sslmode verify-full", Run: awsTLS},
	awsRoleProvisionerCheck,
}

func awsEncryption(rs []Resource) []Violation {
	var out []Violation
	for _, t := range []string{awsDBInstance, awsDBCluster} {
		for _, r := range OfType(rs, t) {
			if !r.Bool("storageEncrypted") {
				out = append(out, Violate(r, "storageEncrypted must be true"))
			}
		}
	}
	return out
}

func awsNoPublicDB(rs []Resource) []Violation {
	var out []Violation
	for _, r := range OfType(rs, awsDBInstance) {
		if r.Bool("publiclyAccessible") {
			out = append(out, Violate(r, "publiclyAccessible must be false"))
		}
	}
	open := func(cidr string) bool { return cidr == "0.0.0.0/0" || cidr == "::/0" }
	for _, r := range OfType(rs, awsIngressRule) {
		if open(r.String("cidrIpv4")) || open(r.String("cidrIpv6")) {
			out = append(out, Violate(r, "ingress from the whole internet (%s%s)", r.String("cidrIpv4"), r.String("cidrIpv6")))
		}
	}
	for _, r := range OfType(rs, awsSecurityGroup) {
		ing, _ := r.Get("ingress")
		list, _ := ing.([]any)
		for _, x := range list {
			rule, _ := x.(map[string]any)
			cidrs, _ := rule["cidrBlocks"].([]any)
			for _, c := range cidrs {
				if s, _ := c.(string); open(s) {
					out = append(out, Violate(r, "inline ingress from the whole internet (%s)", s))
				}
			}
		}
	}
	for _, r := range OfType(rs, awsSecurityGroupR) {
		if r.String("type") != "ingress" {
			continue
		}
		cidrs, _ := r.Get("cidrBlocks")
		list, _ := cidrs.([]any)
		for _, c := range list {
			if s, _ := c.(string); open(s) {
				out = append(out, Violate(r, "ingress from the whole internet (%s)", s))
			}
		}
	}
	return out
}

func awsTracing(rs []Resource) []Violation {
	var out []Violation
	for _, r := range OfType(rs, awsFunction) {
		if r.String("tracingConfig.mode") != "Active" {
			out = append(out, Violate(r, "tracingConfig.mode must be Active (is %q)", r.String("tracingConfig.mode")))
		}
	}
	return out
}

func awsLogRetention(rs []Resource) []Violation {
	var out []Violation
	groups := map[string]bool{}
	for _, r := range OfType(rs, awsLogGroup) {
		groups[r.String("name")] = true
		if r.Number("retentionInDays") <= 0 {
			out = append(out, Violate(r, "retentionInDays must be set (logs would be kept forever)"))
		}
	}
	for _, r := range OfType(rs, awsFunction) {
		lg := r.String("loggingConfig.logGroup")
		if lg == "" {
			lg = "/aws/lambda/" + r.String("name")
		}
		if !groups[lg] {
			out = append(out, Violate(r, "logs to %s, which this stack does not create with a retention", lg))
		}
	}
	return out
}

func awsLeastPrivilege(rs []Resource) []Violation {
	var out []Violation
	for _, t := range []string{awsRolePolicy, awsPolicy} {
		for _, r := range OfType(rs, t) {
			doc := r.String("policy")
			if doc == "" || doc == Unknown || doc == Secret {
				out = append(out, Violate(r, "policy document is not known before deployment, so it cannot be checked"))
				continue
			}
			for _, msg := range policyProblems(doc) {
				out = append(out, Violate(r, "%s", msg))
			}
		}
	}
	for _, r := range OfType(rs, awsPermission) {
		// Anyone may call a public Function URL; nobody else may invoke the function.
		if r.String("principal") == "*" && r.String("functionUrlAuthType") == "" {
			out = append(out, Violate(r, "grants %s to everyone without functionUrlAuthType: the function could be invoked directly", r.String("action")))
		}
	}
	for _, r := range OfType(rs, awsAttachment) {
		if arn := r.String("policyArn"); !allowedManagedPolicies[arn] {
			out = append(out, Violate(r, "managed policy %s is not on the allow list (%s)", arn, keys(allowedManagedPolicies)))
		}
	}
	return out
}

// policyProblems lists what is too broad in an IAM policy document.
func policyProblems(doc string) []string {
	var p struct {
		Statement []struct {
			Effect   string
			Action   any
			Resource any
		}
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return []string{fmt.Sprintf("policy is not valid JSON: %v", err)}
	}
	var out []string
	for i, s := range p.Statement {
		if s.Effect != "Allow" {
			continue
		}
		actions, resources := strs(s.Action), strs(s.Resource)
		for _, a := range actions {
			if a == "*" || strings.HasSuffix(a, ":*") {
				out = append(out, fmt.Sprintf("statement %d allows wildcard action %q", i, a))
			}
		}
		for _, res := range resources {
			if res != "*" {
				continue
			}
			for _, a := range actions {
				if !resourceStarActions[a] {
					out = append(out, fmt.Sprintf("statement %d allows %s on resource \"*\" (it supports resource-level permissions)", i, a))
				}
			}
		}
	}
	return out
}

func awsTLS(rs []Resource) []Violation {
	var out []Violation
	for _, r := range OfType(rs, awsDBProxy) {
		if !r.Bool("requireTls") {
			out = append(out, Violate(r, "requireTls must be true"))
		}
		auths, _ := r.Get("auths")
		list, _ := auths.([]any)
		for _, a := range list {
			m, _ := a.(map[string]any)
			if m["iamAuth"] != "REQUIRED" {
				out = append(out, Violate(r, "auths[].iamAuth must be REQUIRED (is %v)", m["iamAuth"]))
			}
		}
	}
	if len(OfType(rs, awsDBInstance)) > 0 {
		forced := false
		for _, r := range OfType(rs, awsDBParams) {
			ps, _ := r.Get("parameters")
			list, _ := ps.([]any)
			for _, p := range list {
				m, _ := p.(map[string]any)
				if m["name"] == "rds.force_ssl" && m["value"] == "1" {
					forced = true
				}
			}
		}
		for _, r := range OfType(rs, awsDBInstance) {
			if !forced || r.String("parameterGroupName") == "" {
				out = append(out, Violate(r, "needs a parameter group with rds.force_ssl = 1"))
			}
		}
	}
	for _, r := range OfType(rs, awsFunction) {
		url := r.String("environment.variables.DATABASE_URL")
		if url == Secret || url == Unknown || url == "" {
			continue // nothing to read; the proxy's requireTls still holds the line
		}
		if !strings.Contains(url, "sslmode=verify-full") && !strings.Contains(url, "sslmode=require") && !strings.Contains(url, "sslmode=verify-ca") {
			out = append(out, Violate(r, "DATABASE_URL must use sslmode=verify-full (or require)"))
		}
		if userinfo, _, ok := strings.Cut(strings.TrimPrefix(url, "postgres://"), "@"); ok && strings.Contains(userinfo, ":") {
			out = append(out, Violate(r, "DATABASE_URL must not carry a password (IAM auth signs a token per connection)"))
		}
	}
	return out
}

func strs(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func keys(m map[string]bool) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return strings.Join(out, ", ")
}

// Evidence for aws-function-url-permissions:
//   - FunctionUrlAuthType only with lambda:InvokeFunctionUrl: pulumi-aws v6.83.4
//     sdk/v6/go/aws/lambda/permission.go ("Only supported for lambda:InvokeFunctionUrl
//     action"), and the live API error in
//     https://github.com/RJPearson94/terraform-aws-open-next/issues/73
//   - both statements for URLs created since October 2025:
//     https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
//   - the InvokeFunction statement's condition is InvokedViaFunctionUrl:
//     https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-permission.html#cfn-lambda-permission-invokedviafunctionurl
//     and https://github.com/hashicorp/terraform-provider-aws/pull/44858
//   - permissions before the URL: https://github.com/simple-container-com/api/issues/83
func awsFunctionURLPermissions(rs []Resource) []Violation {
	var out []Violation
	var urlPerms []Resource // lambda:InvokeFunctionUrl to everyone, auth NONE
	for _, r := range OfType(rs, awsPermission) {
		action, authType := r.String("action"), r.String("functionUrlAuthType")
		if authType != "" && action != "lambda:InvokeFunctionUrl" {
			out = append(out, Violate(r, "functionUrlAuthType is only accepted with lambda:InvokeFunctionUrl, not %s: Lambda answers InvalidParameterValueException", action))
		}
		if r.String("principal") == "*" && action == "lambda:InvokeFunctionUrl" && authType == "NONE" {
			urlPerms = append(urlPerms, r)
		}
	}
	var invokePerms []Resource // CloudFormation stacks holding InvokeFunction via the URL
	for _, r := range OfType(rs, awsCfnStack) {
		body := r.String("templateBody")
		if body == Unknown || body == Secret {
			out = append(out, Violate(r, "templateBody is not known before deployment, so it cannot be checked"))
			continue
		}
		var tpl struct {
			Resources map[string]struct {
				Type       string
				Properties map[string]any
			}
		}
		if err := json.Unmarshal([]byte(body), &tpl); err != nil {
			out = append(out, Violate(r, "templateBody is not JSON: %v", err))
			continue
		}
		viaURL := false
		for id, res := range tpl.Resources {
			if res.Type != "AWS::Lambda::Permission" {
				continue
			}
			p := res.Properties
			action, _ := p["Action"].(string)
			principal, _ := p["Principal"].(string)
			via, _ := p["InvokedViaFunctionUrl"].(bool)
			if _, ok := p["FunctionUrlAuthType"]; ok && action != "lambda:InvokeFunctionUrl" {
				out = append(out, Violate(r, "%s: FunctionUrlAuthType is only accepted with lambda:InvokeFunctionUrl, not %s", id, action))
			}
			if principal == "*" && action == "lambda:InvokeFunction" {
				if !via {
					out = append(out, Violate(r, "%s grants lambda:InvokeFunction to everyone without InvokedViaFunctionUrl: true: anyone could invoke the function directly", id))
				} else {
					viaURL = true
				}
			}
		}
		if viaURL {
			invokePerms = append(invokePerms, r)
		}
	}
	for _, u := range OfType(rs, awsFunctionURL) {
		if u.String("authorizationType") != "NONE" {
			continue
		}
		var havePublic, haveInvoke bool
		for _, p := range urlPerms {
			if p.String("qualifier") == u.String("qualifier") {
				havePublic = true
				if !u.Needs(p.Name) {
					out = append(out, Violate(u, "is not created after its permission %s (DependsOn): a URL created before its permissions answers 403", p.Name))
				}
			}
		}
		for _, p := range invokePerms {
			if arn := p.String("parameters.FunctionArn"); arn != Unknown && !strings.HasSuffix(arn, ":"+u.String("qualifier")) {
				continue // another alias's statement
			}
			haveInvoke = true
			if !u.Needs(p.Name) {
				out = append(out, Violate(u, "is not created after its permission %s (DependsOn): a URL created before its permissions answers 403", p.Name))
			}
		}
		if !havePublic {
			out = append(out, Violate(u, "authorizationType NONE needs a lambda:InvokeFunctionUrl permission for \"*\" with functionUrlAuthType NONE on qualifier %q", u.String("qualifier")))
		}
		if !haveInvoke {
			out = append(out, Violate(u, "authorizationType NONE needs a lambda:InvokeFunction permission for \"*\" conditioned on lambda:InvokedViaFunctionUrl (required since October 2025); pulumi-aws v6 cannot express it, a CloudFormation AWS::Lambda::Permission with InvokedViaFunctionUrl: true can"))
		}
	}
	return out
}

// awsFunctionNotAdmin: every API-key holder acts as the function's database user, so
// it must not be the master (rds_superuser) user (deploy review M3).
func awsFunctionNotAdmin(rs []Resource) []Violation {
	var out []Violation
	masters := map[string]bool{}
	for _, r := range OfType(rs, awsDBInstance) {
		if u := r.String("username"); u != "" {
			masters[u] = true
		}
		if r.Bool("manageMasterUserPassword") {
			for _, p := range OfType(rs, awsDBProxy) {
				auths, _ := p.Get("auths")
				list, _ := auths.([]any)
				for _, a := range list {
					m, _ := a.(map[string]any)
					if arn, _ := m["secretArn"].(string); strings.Contains(arn, ":secret:rds!") {
						out = append(out, Violate(p, "authenticates with the RDS-managed master secret %s: the function would be the master user", arn))
					}
				}
			}
		}
	}
	for _, r := range OfType(rs, awsFunction) {
		url := r.String("environment.variables.DATABASE_URL")
		userinfo, _, ok := strings.Cut(strings.TrimPrefix(url, "postgres://"), "@")
		if ok && masters[userinfo] {
			out = append(out, Violate(r, "connects as the RDS master user %s; use a read-only database.user", userinfo))
		}
	}
	return out
}
