package aws

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

// ProvisionerSuffix ends the provisioner function's name (<project>-<stack>-dbrole).
const ProvisionerSuffix = "-dbrole"

// ProvisionerWorkMem is the work_mem ceiling the provisioner gives database.user
// (the default of scripts/dbrole --work-mem).
const ProvisionerWorkMem = "32MB"

// newProvisioner declares, for a database the stack creates, the one-shot Lambda
// function/cmd/dbrole and its invocation at deploy: it connects to the instance as
// the master user and makes database.user the read-only role (LOGIN with the role
// secret's password, CONNECT, SELECT on dbSchemas only), before the connector
// function exists. It returns the invocation, for the function to depend on.
//
// Credentials: the program resolves both secrets (LookupSecretVersionOutput on ARNs
// that are outputs of the instance and of the role secret's version, so after them)
// and passes them as a secret input of the invocation: encrypted in the Pulumi
// state, never in any function's environment. The provisioner reads nothing from
// Secrets Manager itself, because the VPC has no NAT gateway and no Secrets Manager
// interface endpoint (network.go), and an endpoint in two AZs costs about $15 a month
// (https://aws.amazon.com/privatelink/pricing/) for one call per deploy. Passing
// credentials in the input is what the provider's own example does
// (https://github.com/hashicorp/terraform-provider-aws/pull/42935, the
// lambda_invocation doc's username/password input).
//
// Re-runs: lifecycleScope CREATE_ONLY invokes on create or replace only; the
// triggers (role, schemas, settings, provisioner code hash) are ForceNew, so a
// changed dbSchemas re-runs it (pulumi-aws lambda.Invocation doc: "Map of arbitrary
// keys and values that, when changed, will trigger a re-invocation"), and under
// CREATE_ONLY a changed input forces a replacement too (the bridged resource's
// customizeDiffInputChangeWithCreateOnlyScope,
// https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/lambda/invocation.go),
// so a rotated master password re-runs it harmlessly (idempotent). CRUD is not used:
// it would also invoke on delete, with an injected lifecycle key
// (https://github.com/hashicorp/terraform-provider-aws/pull/29367).
//
// No rds_iam grant: the function's IAM auth ends at the proxy, which logs in to the
// database with the role secret's password ("The connection from RDS Proxy to the
// underlying database doesn't go through IAM",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-connecting.html),
// and on RDS a member of rds_iam can no longer log in with a password.
func newProvisioner(ctx *pulumi.Context, name string, cfg *config.Config, art build.Artifact, net *network, db *database, parent pulumi.ResourceOption) (*lambda.Invocation, error) {
	fnName := physicalName(ctx) + ProvisionerSuffix
	port := pulumi.Int(PostgresPort)

	// Its own security group: to the database on 5432, nothing else (not the proxy,
	// which knows only database.user).
	sg, err := ec2.NewSecurityGroup(ctx, name+"-dbrole-sg", &ec2.SecurityGroupArgs{
		VpcId:       net.vpcID,
		Description: pulumi.String("ai-agent-connector role provisioner: egress to PostgreSQL only"),
		Tags:        tags(ctx, name+"-dbrole-sg"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("provisioner security group: %w", err)
	}
	egress, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-dbrole-to-db", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: sg.ID(), ReferencedSecurityGroupId: net.dbSG,
		IpProtocol: pulumi.String("tcp"), FromPort: port, ToPort: port,
		Description: pulumi.String("role provisioner to PostgreSQL"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("rule provisioner->db: %w", err)
	}
	ingress, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-db-from-dbrole", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId: net.dbSG, ReferencedSecurityGroupId: sg.ID(),
		IpProtocol: pulumi.String("tcp"), FromPort: port, ToPort: port,
		Description: pulumi.String("role provisioner to PostgreSQL"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("rule db<-provisioner: %w", err)
	}

	logGroup, err := cloudwatch.NewLogGroup(ctx, name+"-dbrole-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/lambda/" + fnName),
		RetentionInDays: pulumi.Int(cfg.LogRetentionDays),
		Tags:            tags(ctx, name+"-dbrole-logs"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("provisioner log group: %w", err)
	}
	// Least privilege: its log group, traces, VPC ENIs. No Secrets Manager: the
	// credentials arrive in the invocation input.
	role, err := iam.NewRole(ctx, name+"-dbrole-role", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRolePolicy("lambda.amazonaws.com")),
		Description:      pulumi.String("ai-agent-connector role provisioner: its log group, X-Ray, VPC ENIs"),
		Tags:             tags(ctx, name+"-dbrole-role"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("provisioner role: %w", err)
	}
	pol, err := iam.NewRolePolicy(ctx, name+"-dbrole-policy", &iam.RolePolicyArgs{
		Role: role.ID(),
		Policy: policyJSON(
			statement{Sid: "WriteOwnLogGroup", Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: pulumi.Sprintf("%s:*", logGroup.Arn)},
			statement{Sid: "WriteTraces", Actions: []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, Resource: pulumi.String("*")},
		),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("provisioner role policy: %w", err)
	}
	eni, err := iam.NewRolePolicyAttachment(ctx, name+"-dbrole-eni", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String(ENIManagedPolicy),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("provisioner eni policy: %w", err)
	}

	fn, err := lambda.NewFunction(ctx, name+"-dbrole-fn", &lambda.FunctionArgs{
		Name:           pulumi.String(fnName),
		Description:    pulumi.String("ai-agent-connector: makes database.user read-only at deploy (invoked by pulumi up)"),
		Runtime:        pulumi.String("provided.al2023"),
		Handler:        pulumi.String(art.Handler),
		Architectures:  pulumi.StringArray{pulumi.String(cfg.LambdaArch())},
		Code:           pulumi.NewFileArchive(art.Path),
		SourceCodeHash: pulumi.String(art.Base64SHA256),
		MemorySize:     pulumi.Int(128),
		Timeout:        pulumi.Int(60),
		Role:           role.Arn,
		TracingConfig:  lambda.FunctionTracingConfigArgs{Mode: pulumi.String("Active")},
		LoggingConfig: lambda.FunctionLoggingConfigArgs{
			LogFormat: pulumi.String("JSON"),
			LogGroup:  logGroup.Name,
		},
		VpcConfig: lambda.FunctionVpcConfigArgs{
			SubnetIds:        net.subnetIDs,
			SecurityGroupIds: pulumi.StringArray{sg.ID()},
		},
		// No environment: nothing to leak through GetFunctionConfiguration.
		Tags: tags(ctx, name+"-dbrole-fn"),
	}, parent, pulumi.DependsOn([]pulumi.Resource{eni, pol}))
	if err != nil {
		return nil, fmt.Errorf("provisioner function: %w", err)
	}

	admin := secretsmanager.LookupSecretVersionOutput(ctx, secretsmanager.LookupSecretVersionOutputArgs{SecretId: db.masterSecretArn}, pulumi.Parent(fn))
	roleCreds := secretsmanager.LookupSecretVersionOutput(ctx, secretsmanager.LookupSecretVersionOutputArgs{SecretId: db.roleSecretVersionID}, pulumi.Parent(fn))
	input := pulumi.All(db.address, admin.SecretString(), roleCreds.SecretString()).ApplyT(func(v []any) (string, error) {
		return ProvisionerInput(cfg, v[0].(string), v[1].(string), v[2].(string))
	}).(pulumi.StringOutput)

	inv, err := lambda.NewInvocation(ctx, name+"-dbrole-run", &lambda.InvocationArgs{
		FunctionName:   fn.Name,
		Input:          pulumi.ToSecret(input).(pulumi.StringOutput),
		LifecycleScope: pulumi.String("CREATE_ONLY"),
		Triggers:       ProvisionerTriggers(cfg, art),
	}, parent, pulumi.DependsOn([]pulumi.Resource{egress, ingress, fn}))
	if err != nil {
		return nil, fmt.Errorf("provisioner invocation: %w", err)
	}
	return inv, nil
}

// ProvisionerInput is the provisioner's invocation payload: function/cmd/dbrole's
// Event (its testdata/input.json pins the field names on both sides). adminSecret
// and roleSecret are the two secrets' SecretString values, as Secrets Manager holds
// them ({"username": ..., "password": ...}, the shape of an RDS-managed master
// secret: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html).
func ProvisionerInput(cfg *config.Config, host, adminSecret, roleSecret string) (string, error) {
	d := cfg.Database
	b, err := json.Marshal(map[string]any{
		"host": host, "port": PostgresPort, "adminUser": AdminLogin,
		"adminSecret": adminSecret, "roleSecret": roleSecret,
		"database": d.Name, "role": d.User, "schemas": cfg.DBSchemas, "workMem": ProvisionerWorkMem,
	})
	if err != nil {
		return "", fmt.Errorf("provisioner input: %w", err)
	}
	return string(b), nil
}

// ProvisionerTriggers are the values whose change re-runs the provisioner: what the
// role may do, and the provisioner's code.
func ProvisionerTriggers(cfg *config.Config, art build.Artifact) pulumi.StringMap {
	d := cfg.Database
	spec := strings.Join([]string{d.Name, d.User, strings.Join(cfg.DBSchemas, ","), ProvisionerWorkMem}, "\x00")
	h := sha256.Sum256([]byte(spec))
	return pulumi.StringMap{
		"role":    pulumi.String(hex.EncodeToString(h[:])),
		"code":    pulumi.String(art.SHA256),
		"schemas": pulumi.String(strings.Join(cfg.DBSchemas, ",")),
	}
}
