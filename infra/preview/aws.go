package preview

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// awsOutputs fills what the AWS provider would compute for the types the AWS component uses.
func awsOutputs(m *Mocks, typ, name string, in resource.PropertyMap, set func(string, any)) string {
	r, acct, h := m.Region, m.Account, shortHash(name)
	str := func(k string) string {
		if v, ok := in[resource.PropertyKey(k)]; ok && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	physical := str("name")
	if physical == "" {
		physical = name + "-" + h
	}
	switch typ {
	case "aws:lambda/function:Function":
		arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", r, acct, physical)
		set("arn", arn)
		set("version", "1")
		set("qualifiedArn", arn+":1")
		set("invokeArn", fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", r, arn))
	case "aws:lambda/alias:Alias":
		set("arn", fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s:%s", r, acct, str("functionName"), physical))
	case "aws:lambda/functionUrl:FunctionUrl":
		set("functionUrl", fmt.Sprintf("https://%s%s.lambda-url.%s.on.aws/", h, h[:6], r))
		set("urlId", h)
	case "aws:rds/proxy:Proxy":
		set("arn", fmt.Sprintf("arn:aws:rds:%s:%s:db-proxy:prx-%s", r, acct, h))
		set("endpoint", fmt.Sprintf("%s.proxy-%s.%s.rds.amazonaws.com", physical, h, r))
	case "aws:rds/instance:Instance":
		set("identifier", physical)
		set("arn", fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", r, acct, physical))
		set("address", fmt.Sprintf("%s.%s.%s.rds.amazonaws.com", physical, h, r))
		set("masterUserSecrets", []any{map[string]any{
			"secretArn":    fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:rds!db-%s-AbCdEf", r, acct, h),
			"secretStatus": "active",
			"kmsKeyId":     fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", r, acct, h),
		}})
	case "aws:secretsmanager/secret:Secret":
		arn := fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s%s-AbCdEf", r, acct, str("namePrefix"), h)
		set("arn", arn)
		return arn
	case "aws:secretsmanager/secretVersion:SecretVersion":
		set("arn", str("secretId"))
		set("versionId", "00000000-"+h)
	case "aws:lambda/invocation:Invocation":
		set("result", `{"role":"mock"}`)
	case "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup":
		set("name", "default")
	case "aws:iam/role:Role":
		set("arn", fmt.Sprintf("arn:aws:iam::%s:role/%s", acct, physical))
		set("name", physical)
		return physical
	case "aws:cloudwatch/logGroup:LogGroup":
		set("arn", fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", r, acct, physical))
		return physical
	case "aws:ec2/vpc:Vpc":
		return "vpc-" + h
	case "aws:ec2/subnet:Subnet":
		return "subnet-" + h
	case "aws:ec2/securityGroup:SecurityGroup":
		return "sg-" + h
	}
	if strings.HasPrefix(typ, "aws:") {
		set("name", physical)
	}
	return ""
}

// awsSecretVersion answers getSecretVersion (the role provisioner's inputs) with a
// value of the secrets' shape, never a real one.
func awsSecretVersion(_ *Mocks, args resource.PropertyMap) (resource.PropertyMap, error) {
	id := ""
	if v, ok := args["secretId"]; ok && v.IsString() {
		id = v.StringValue()
	}
	return resource.NewPropertyMapFromMap(map[string]any{
		"id": id, "arn": id, "versionId": "00000000-mock", "versionStages": []any{"AWSCURRENT"},
		"secretString": `{"username":"mock","password":"mock-not-a-secret"}`,
	}), nil
}
