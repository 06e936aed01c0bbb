package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudformation"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

// ENIManagedPolicy lets Lambda manage the network interfaces of VPC placement and
// nothing else (unlike AWSLambdaVPCAccessExecutionRole, which also grants logs:* on *).
const ENIManagedPolicy = "arn:aws:iam::aws:policy/service-role/AWSLambdaENIManagementAccess"

// MetricNamespace prefixes the cold-start metric's namespace; InitDurationMetric names it.
// The namespace is MetricNamespace/<function name>: metric filter dimensions can only
// take values from log fields, and platform.report records do not name the function.
// URLInvokeTemplate is the CloudFormation template of the second Function URL
// statement: lambda:InvokeFunction for "*" only when the call comes through the
// function's URL (the lambda:InvokedViaFunctionUrl condition), on the alias whose
// ARN is the FunctionArn parameter. Its evidence: the AWS::Lambda::Permission
// reference (InvokedViaFunctionUrl), https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-permission.html#cfn-lambda-permission-invokedviafunctionurl
// and pulumi/pulumi-aws#5930 (the v6 Permission lacks the field).
const URLInvokeTemplate = `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Description": "ai-agent-connector: lambda:InvokeFunction through the Function URL only",
  "Parameters": {"FunctionArn": {"Type": "String", "Description": "ARN of the alias that serves the Function URL"}},
  "Resources": {
    "InvokeViaFunctionUrl": {
      "Type": "AWS::Lambda::Permission",
      "Properties": {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Ref": "FunctionArn"},
        "Principal": "*",
        "InvokedViaFunctionUrl": true
      }
    }
  }
}`

const (
	MetricNamespace    = "AiAgentConnector"
	InitDurationMetric = "InitDurationMs"
)

type function struct {
	name         pulumi.StringOutput
	aliasArn     pulumi.StringOutput
	url          pulumi.StringOutput
	logGroupName pulumi.StringOutput
}

// after (the role provisioner's invocation, create mode) is what the function waits
// for: it never serves before its database role exists.
func newFunction(ctx *pulumi.Context, name string, cfg *config.Config, art build.Artifact, net *network, db *database, after []pulumi.Resource, parent pulumi.ResourceOption) (*function, error) {
	fnName := physicalName(ctx)

	// The log group exists before the function so retention applies from the first line.
	logGroup, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/lambda/" + fnName),
		RetentionInDays: pulumi.Int(cfg.LogRetentionDays),
		Tags:            tags(ctx, name+"-logs"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("log group: %w", err)
	}

	role, err := iam.NewRole(ctx, name+"-role", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRolePolicy("lambda.amazonaws.com")),
		Description:      pulumi.String("ai-agent-connector function: its log group, X-Ray, VPC ENIs, rds-db:connect as database.user"),
		Tags:             tags(ctx, name+"-role"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("function role: %w", err)
	}
	if _, err := iam.NewRolePolicy(ctx, name+"-policy", &iam.RolePolicyArgs{
		Role: role.ID(),
		Policy: policyJSON(
			statement{
				Sid:      "WriteOwnLogGroup",
				Actions:  []string{"logs:CreateLogStream", "logs:PutLogEvents"},
				Resource: pulumi.Sprintf("%s:*", logGroup.Arn),
			},
			statement{
				// X-Ray trace upload has no resource-level permissions: "*" is the only form.
				Sid:      "WriteTraces",
				Actions:  []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
				Resource: pulumi.String("*"),
			},
			statement{
				Sid:      "ConnectThroughProxyAsDatabaseUser",
				Actions:  []string{"rds-db:connect"},
				Resource: db.dbUserArn,
			},
		),
	}, parent); err != nil {
		return nil, fmt.Errorf("function role policy: %w", err)
	}
	eni, err := iam.NewRolePolicyAttachment(ctx, name+"-eni", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String(ENIManagedPolicy),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("function eni policy: %w", err)
	}

	env := pulumi.StringMap{
		// No password: cmd/lambda signs an RDS IAM token per new connection.
		"DATABASE_URL": pulumi.Sprintf("postgres://%s@%s:%d/%s?sslmode=verify-full",
			cfg.Database.User, db.proxyEndpoint, PostgresPort, cfg.Database.Name),
		"DB_IAM_AUTH": pulumi.String("true"),
	}
	for _, e := range cfg.FunctionEnv() {
		env[e.Name] = pulumi.String(e.Value)
	}
	if cfg.APIKeys.IsSet() {
		// A Pulumi secret: encrypted in state, KMS-encrypted at rest by Lambda.
		env["API_KEYS"] = cfg.APIKeys.Output()
	}

	fn, err := lambda.NewFunction(ctx, name+"-fn", &lambda.FunctionArgs{
		Name:          pulumi.String(fnName),
		Description:   pulumi.String("ai-agent-connector: read-only PostgreSQL access for AI agents"),
		Runtime:       pulumi.String("provided.al2023"),
		Handler:       pulumi.String(art.Handler),
		Architectures: pulumi.StringArray{pulumi.String(cfg.LambdaArch())},
		Code:          pulumi.NewFileArchive(art.Path),
		// The zip is byte-reproducible, so an unchanged function is not redeployed.
		SourceCodeHash:               pulumi.String(art.Base64SHA256),
		MemorySize:                   pulumi.Int(cfg.MemoryMB),
		Timeout:                      pulumi.Int(cfg.TimeoutSeconds),
		Role:                         role.Arn,
		Publish:                      pulumi.Bool(true), // provisioned concurrency needs a version
		ReservedConcurrentExecutions: pulumi.Int(cfg.MaxInstances),
		TracingConfig:                lambda.FunctionTracingConfigArgs{Mode: pulumi.String("Active")},
		LoggingConfig: lambda.FunctionLoggingConfigArgs{
			LogFormat:           pulumi.String("JSON"),
			LogGroup:            logGroup.Name,
			ApplicationLogLevel: pulumi.String(lambdaLogLevel(cfg.LogLevel)),
			SystemLogLevel:      pulumi.String("INFO"), // INFO keeps platform.report with initDurationMs
		},
		VpcConfig: lambda.FunctionVpcConfigArgs{
			SubnetIds:        net.subnetIDs,
			SecurityGroupIds: pulumi.StringArray{net.lambdaSG},
		},
		Environment: lambda.FunctionEnvironmentArgs{Variables: env},
		Tags:        tags(ctx, name+"-fn"),
	}, parent, pulumi.DependsOn(append([]pulumi.Resource{eni}, after...)))
	if err != nil {
		return nil, fmt.Errorf("function: %w", err)
	}

	alias, err := lambda.NewAlias(ctx, name+"-alias", &lambda.AliasArgs{
		Name:            pulumi.String(AliasName),
		FunctionName:    fn.Name,
		FunctionVersion: fn.Version,
		Description:     pulumi.String("the published version served by the Function URL"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("alias: %w", err)
	}
	if cfg.WarmInstances > 0 {
		if _, err := lambda.NewProvisionedConcurrencyConfig(ctx, name+"-warm", &lambda.ProvisionedConcurrencyConfigArgs{
			FunctionName:                    fn.Name,
			Qualifier:                       alias.Name,
			ProvisionedConcurrentExecutions: pulumi.Int(cfg.WarmInstances),
		}, parent); err != nil {
			return nil, fmt.Errorf("provisioned concurrency: %w", err)
		}
	}

	// A public URL (auth NONE) needs two resource-policy statements, both in place
	// before the URL exists (a URL created first answers 403 until it is recreated):
	//   1. lambda:InvokeFunctionUrl to "*", conditioned on FunctionUrlAuthType NONE;
	//   2. lambda:InvokeFunction to "*", conditioned on lambda:InvokedViaFunctionUrl,
	//      required for URLs created since October 2025. pulumi-aws v6 cannot express
	//      that condition (its Permission has no invokedViaFunctionUrl, and Lambda
	//      rejects FunctionUrlAuthType on any action but InvokeFunctionUrl), so the
	//      statement is a CloudFormation AWS::Lambda::Permission with
	//      InvokedViaFunctionUrl: true, which CloudFormation supports. See
	//      URLInvokeTemplate. An AWS_IAM URL needs neither: callers carry both
	//      actions in their own identity policies.
	var urlDeps []pulumi.Resource
	if cfg.AWS.FunctionURLAuth == "NONE" {
		public, err := lambda.NewPermission(ctx, name+"-url-public", &lambda.PermissionArgs{
			Action:              pulumi.String("lambda:InvokeFunctionUrl"),
			Function:            fn.Name,
			Qualifier:           alias.Name,
			Principal:           pulumi.String("*"),
			FunctionUrlAuthType: pulumi.String("NONE"),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("function url permission lambda:InvokeFunctionUrl: %w", err)
		}
		invoke, err := cloudformation.NewStack(ctx, name+"-url-invoke", &cloudformation.StackArgs{
			Name:         pulumi.String(fnName + "-url-invoke"),
			TemplateBody: pulumi.String(URLInvokeTemplate),
			Parameters:   pulumi.StringMap{"FunctionArn": alias.Arn},
			OnFailure:    pulumi.String("DELETE"),
			Tags:         tags(ctx, name+"-url-invoke"),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("function url permission lambda:InvokeFunction: %w", err)
		}
		urlDeps = []pulumi.Resource{public, invoke}
	}
	url, err := lambda.NewFunctionUrl(ctx, name+"-url", &lambda.FunctionUrlArgs{
		FunctionName:      fn.Name,
		Qualifier:         alias.Name,
		AuthorizationType: pulumi.String(cfg.AWS.FunctionURLAuth),
		// aws-lambda-go's lambdaurl serves an http.Handler only in streaming mode.
		InvokeMode: pulumi.String("RESPONSE_STREAM"),
	}, parent, pulumi.DependsOn(urlDeps))
	if err != nil {
		return nil, fmt.Errorf("function url: %w", err)
	}

	if err := coldStartAlarm(ctx, name, cfg, fnName, logGroup, parent); err != nil {
		return nil, err
	}
	return &function{
		name:         fn.Name,
		aliasArn:     alias.Arn,
		url:          url.FunctionUrl,
		logGroupName: logGroup.Name,
	}, nil
}

// coldStartAlarm turns the platform.report records of the JSON log format into an
// init-duration metric and alarms when a cold start exceeds coldStartWarnMs.
func coldStartAlarm(ctx *pulumi.Context, name string, cfg *config.Config, fnName string, logGroup *cloudwatch.LogGroup, parent pulumi.ResourceOption) error {
	if _, err := cloudwatch.NewLogMetricFilter(ctx, name+"-init-duration", &cloudwatch.LogMetricFilterArgs{
		LogGroupName: logGroup.Name,
		Pattern:      pulumi.String(`{ $.type = "platform.report" && $.record.metrics.initDurationMs > 0 }`),
		MetricTransformation: cloudwatch.LogMetricFilterMetricTransformationArgs{
			Namespace: pulumi.String(MetricNamespace + "/" + fnName),
			Name:      pulumi.String(InitDurationMetric),
			Value:     pulumi.String("$.record.metrics.initDurationMs"),
			Unit:      pulumi.String("Milliseconds"),
		},
	}, parent); err != nil {
		return fmt.Errorf("init duration metric filter: %w", err)
	}
	args := &cloudwatch.MetricAlarmArgs{
		AlarmDescription:   pulumi.String(fmt.Sprintf("A cold start (Lambda init duration) of %s took longer than coldStartWarnMs = %d ms", fnName, cfg.ColdStartWarnMs)),
		Namespace:          pulumi.String(MetricNamespace + "/" + fnName),
		MetricName:         pulumi.String(InitDurationMetric),
		Statistic:          pulumi.String("Maximum"),
		Period:             pulumi.Int(300),
		EvaluationPeriods:  pulumi.Int(1),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		Threshold:          pulumi.Float64(float64(cfg.ColdStartWarnMs)),
		TreatMissingData:   pulumi.String("notBreaching"), // no cold start, no problem
		Tags:               tags(ctx, name+"-cold-start"),
	}
	if cfg.AWS.AlarmTopicARN != "" {
		args.AlarmActions = pulumi.Array{pulumi.String(cfg.AWS.AlarmTopicARN)}
	}
	if _, err := cloudwatch.NewMetricAlarm(ctx, name+"-cold-start", args, parent); err != nil {
		return fmt.Errorf("cold start alarm: %w", err)
	}
	return nil
}

// lambdaLogLevel maps LOG_LEVEL to Lambda's application log level filter.
func lambdaLogLevel(level string) string {
	switch level {
	case "debug":
		return "DEBUG"
	case "warn":
		return "WARN"
	case "error":
		return "ERROR"
	}
	return "INFO"
}
