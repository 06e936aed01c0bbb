package gcp

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudfunctionsv2"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudrunv2"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/logging"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// functionInputs are what the function needs of the rest of the stack.
type functionInputs struct {
	sa             *serviceaccount.Account
	instance, user pulumi.StringOutput
	secretEnv      cloudfunctionsv2.FunctionServiceConfigSecretEnvironmentVariableArray
	secretDeps     []pulumi.Resource
	object, bucket pulumi.StringOutput
	buildSA        *serviceaccount.Account
	buildGrants    []pulumi.Resource
}

// function declares the Cloud Function, running as its own service account with
// the stack's environment, and who may invoke it.
func (d *deployer) function(in functionInputs) (*cloudfunctionsv2.Function, error) {
	env := pulumi.StringMap{
		// The connector dials through cloudsqlconn with IAM authn; the URL holds
		// user and database only (no host, no password). sslmode=disable because the
		// connector already wraps the connection in mutual TLS.
		"CLOUDSQL_INSTANCE": in.instance,
		"DATABASE_URL":      pulumi.Sprintf("user=%s dbname=%s sslmode=disable", in.user, d.cfg.Database.Name),
	}
	for _, e := range d.cfg.FunctionEnv() {
		env[e.Name] = pulumi.String(e.Value)
	}
	fn, err := cloudfunctionsv2.NewFunction(d.ctx, d.n("fn"), &cloudfunctionsv2.FunctionArgs{
		Location:    pulumi.String(d.g.Region),
		Description: pulumi.String("ai-agent-connector: read-only PostgreSQL access for AI agents"),
		Labels:      d.labels(),
		BuildConfig: &cloudfunctionsv2.FunctionBuildConfigArgs{
			Runtime:    pulumi.String(d.g.Runtime),
			EntryPoint: pulumi.String(d.art.Handler),
			// Projects created since July 2024 give the default build account no
			// roles; this stack's own build account has exactly what a build needs.
			ServiceAccount: in.buildSA.Name,
			Source: &cloudfunctionsv2.FunctionBuildConfigSourceArgs{
				StorageSource: &cloudfunctionsv2.FunctionBuildConfigSourceStorageSourceArgs{
					Bucket: in.bucket,
					Object: in.object,
				},
			},
		},
		ServiceConfig: &cloudfunctionsv2.FunctionServiceConfigArgs{
			AvailableMemory:               pulumi.String(d.cfg.GCPMemory()),
			AvailableCpu:                  pulumi.String(d.g.CPU),
			TimeoutSeconds:                pulumi.Int(d.cfg.TimeoutSeconds),
			MinInstanceCount:              pulumi.Int(d.cfg.WarmInstances),
			MaxInstanceCount:              pulumi.Int(d.cfg.MaxInstances),
			MaxInstanceRequestConcurrency: pulumi.Int(d.g.Concurrency),
			ServiceAccountEmail:           in.sa.Email,
			IngressSettings:               pulumi.String(d.g.Ingress),
			AllTrafficOnLatestRevision:    pulumi.Bool(true),
			EnvironmentVariables:          env,
			SecretEnvironmentVariables:    in.secretEnv,
		},
		// The secret's version and the grant must exist before an instance starts.
	}, d.parent, pulumi.DependsOn(in.secretDeps), pulumi.DependsOn(in.buildGrants))
	if err != nil {
		return nil, fmt.Errorf("function: %w", err)
	}

	// Invoker access comes only from config: nobody, named members, or allUsers
	// when the stack lists it (the function still checks its bearer API keys).
	for i, member := range d.g.Invokers {
		if _, err := cloudrunv2.NewServiceIamMember(d.ctx, fmt.Sprintf("%s-invoker-%d", d.name, i), &cloudrunv2.ServiceIamMemberArgs{
			Location: pulumi.String(d.g.Region),
			Name:     fn.Name,
			Role:     pulumi.String("roles/run.invoker"),
			Member:   pulumi.String(member),
		}, d.parent); err != nil {
			return nil, fmt.Errorf("invoker %s: %w", member, err)
		}
	}
	return fn, nil
}

// source uploads the deterministic source archive. The object name carries the
// archive's SHA-256, so unchanged code keeps the same object and the function is
// not rebuilt; changed code is a new object and a new build.
func (d *deployer) source() (object, bucket pulumi.StringOutput, err error) {
	b, err := storage.NewBucket(d.ctx, d.n("src"), &storage.BucketArgs{
		Location:                 pulumi.String(strings.ToUpper(d.g.Region)),
		UniformBucketLevelAccess: pulumi.Bool(true),
		PublicAccessPrevention:   pulumi.String("enforced"),
		Labels:                   d.labels(),
		Versioning:               &storage.BucketVersioningArgs{Enabled: pulumi.Bool(false)},
		// No age-based lifecycle rule: it would delete the live archive too, and a
		// later rebuild from buildConfig.source would fail. Pulumi deletes the old
		// object when the archive (and so its name) changes.
	}, d.parent)
	if err != nil {
		return object, bucket, fmt.Errorf("source bucket: %w", err)
	}
	o, err := storage.NewBucketObject(d.ctx, d.n("src-zip"), &storage.BucketObjectArgs{
		Bucket:      b.Name,
		Name:        pulumi.String("function-" + d.art.SHA256 + ".zip"),
		ContentType: pulumi.String("application/zip"),
		Source:      pulumi.NewFileAsset(d.art.Path),
	}, d.parent)
	if err != nil {
		return object, bucket, fmt.Errorf("source object: %w", err)
	}
	return o.Name, b.Name, nil
}

// logs routes the function's logs to a log bucket with the stack's retention (the
// project's _Default bucket keeps its own setting).
func (d *deployer) logs(project pulumi.StringOutput, fn *cloudfunctionsv2.Function) error {
	lb, err := logging.NewProjectBucketConfig(d.ctx, d.n("logs"), &logging.ProjectBucketConfigArgs{
		Project:       project,
		Location:      pulumi.String("global"),
		BucketId:      pulumi.String(labelValue("aac-" + d.ctx.Stack())),
		RetentionDays: pulumi.Int(d.cfg.LogRetentionDays),
		Description:   pulumi.String("ai-agent-connector function logs"),
	}, d.parent)
	if err != nil {
		return fmt.Errorf("log bucket: %w", err)
	}
	if _, err := logging.NewProjectSink(d.ctx, d.n("logs-sink"), &logging.ProjectSinkArgs{
		Project:              project,
		Destination:          pulumi.Sprintf("logging.googleapis.com/%s", lb.ID()),
		Filter:               pulumi.Sprintf(`resource.type="cloud_run_revision" AND resource.labels.service_name="%s"`, fn.Name),
		UniqueWriterIdentity: pulumi.Bool(true),
	}, d.parent); err != nil {
		return fmt.Errorf("log sink: %w", err)
	}
	return nil
}
