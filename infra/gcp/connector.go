// Package gcp declares the connector on Google Cloud: a Cloud Functions gen2
// (Cloud Run functions) HTTP function built from the function module's source
// archive, a Cloud SQL for PostgreSQL instance reached only through the Cloud SQL
// Go connector with IAM database authentication, a least-privilege service
// account, API keys in Secret Manager and a log bucket with the stack's retention.
package gcp

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudfunctionsv2"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudrunv2"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/logging"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/secretmanager"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/sql"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/outputs"
)

// Type is the component's type token.
const Type = "ai-agent-connector:gcp:Connector"

// Connector is the deployed GCP stack.
type Connector struct {
	pulumi.ResourceState

	// URL is the function's HTTPS URL.
	URL pulumi.StringOutput `pulumi:"url"`
	// FunctionName is the Cloud Functions (and Cloud Run service) name.
	FunctionName pulumi.StringOutput `pulumi:"functionName"`
	// ServiceAccountEmail is the identity the function runs as and logs in to PostgreSQL with.
	ServiceAccountEmail pulumi.StringOutput `pulumi:"serviceAccountEmail"`
	// InstanceConnectionName is project:region:instance of the Cloud SQL instance.
	InstanceConnectionName pulumi.StringOutput `pulumi:"instanceConnectionName"`
	// ColdStartCommand measures this stack's cold start.
	ColdStartCommand pulumi.StringOutput `pulumi:"coldStartCommand"`
}

// Outputs are the connector's outputs by name: the tagged fields that are set.
func (c *Connector) Outputs() pulumi.Map { return outputs.Of(c) }

// New declares the connector from a validated config and the "gcp" source archive.
func New(ctx *pulumi.Context, name string, cfg *config.Config, art build.Artifact, opts ...pulumi.ResourceOption) (*Connector, error) {
	if cfg.Cloud != config.CloudGCP {
		return nil, fmt.Errorf("gcp connector: config is for cloud %q", cfg.Cloud)
	}
	if art.Target.Platform != build.GCP {
		return nil, fmt.Errorf("gcp connector: artifact is for platform %q, want %q", art.Target.Platform, build.GCP)
	}
	c := &Connector{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, fmt.Errorf("gcp connector: %w", err)
	}
	d := &deployer{ctx: ctx, name: name, cfg: cfg, g: cfg.GCP, art: art, parent: pulumi.Parent(c)}
	if err := d.declare(c); err != nil {
		return nil, fmt.Errorf("gcp connector: %w", err)
	}
	if err := ctx.RegisterResourceOutputs(c, c.Outputs()); err != nil {
		return nil, fmt.Errorf("gcp connector: %w", err)
	}
	return c, nil
}

type deployer struct {
	ctx    *pulumi.Context
	name   string
	cfg    *config.Config
	g      config.GCP
	art    build.Artifact
	parent pulumi.ResourceOption
}

func (d *deployer) n(suffix string) string { return d.name + "-" + suffix }

func (d *deployer) labels() pulumi.StringMap {
	return pulumi.StringMap{
		"app":   pulumi.String("ai-agent-connector"),
		"stack": pulumi.String(labelValue(d.ctx.Stack())),
	}
}

// RequiredAPIs are the services the stack and the running function call. A project
// created today has none of them enabled; the first resource would fail with
// SERVICE_DISABLED. The connector in the function needs the SQL Admin API too
// (cloudsqlconn README: "The Cloud SQL Admin API to be enabled"). Enabling them
// needs serviceusage.googleapis.com, which every project has on by default.
var RequiredAPIs = []string{
	"artifactregistry.googleapis.com",
	"cloudbuild.googleapis.com",
	"cloudfunctions.googleapis.com",
	"cloudresourcemanager.googleapis.com",
	"iam.googleapis.com",
	"logging.googleapis.com",
	"run.googleapis.com",
	"secretmanager.googleapis.com",
	"sqladmin.googleapis.com",
	"storage.googleapis.com",
}

// BuildRoles are the project roles of the build service account (Cloud Run
// functions' build service account doc: logs and the image in Artifact Registry);
// it reads the source archive through a grant on the source bucket alone.
var BuildRoles = []string{"roles/artifactregistry.writer", "roles/logging.logWriter"}

// enableAPIs declares each required API. DisableOnDestroy false: other workloads in
// the project may use them, and disabling an API on destroy breaks them.
func (d *deployer) enableAPIs() ([]pulumi.Resource, error) {
	var out []pulumi.Resource
	for _, api := range RequiredAPIs {
		svc, err := projects.NewService(d.ctx, d.n("api-"+strings.TrimSuffix(api, ".googleapis.com")), &projects.ServiceArgs{
			Service:                  pulumi.String(api),
			DisableOnDestroy:         pulumi.Bool(false),
			DisableDependentServices: pulumi.Bool(false),
		}, d.parent)
		if err != nil {
			return nil, fmt.Errorf("enable %s: %w", api, err)
		}
		out = append(out, svc)
	}
	return out, nil
}

func (d *deployer) declare(c *Connector) error {
	apis, err := d.enableAPIs()
	if err != nil {
		return err
	}
	// Everything below waits for the APIs.
	d.parent = pulumi.Composite(d.parent, pulumi.DependsOn(apis))
	sa, err := serviceaccount.NewAccount(d.ctx, d.n("sa"), &serviceaccount.AccountArgs{
		AccountId:   pulumi.String(accountID(d.ctx.Stack())),
		DisplayName: pulumi.String("ai-agent-connector function (" + d.ctx.Stack() + ")"),
		Description: pulumi.String("Runs the connector function: Cloud SQL client and IAM login, reads its API-keys secret. Nothing else."),
	}, d.parent)
	if err != nil {
		return fmt.Errorf("service account: %w", err)
	}
	// The provider fills project from gcp:project; reading it from a resource keeps
	// the component free of provider config.
	project := sa.Project

	// Least privilege: Cloud SQL client (connector: ephemeral certs, instance
	// metadata) and instance user (IAM database login). Project-level because these
	// roles have no narrower resource scope; the secret grant below is per secret.
	// An existing instance may live in another project: the roles go there.
	dbProject := project
	if !d.cfg.Database.Creates() {
		dbProject = pulumi.String(strings.Split(d.g.ExistingInstanceConnectionName, ":")[0]).ToStringOutput()
	}
	for _, role := range []string{"roles/cloudsql.client", "roles/cloudsql.instanceUser"} {
		short := strings.TrimPrefix(role, "roles/cloudsql.")
		if _, err := projects.NewIAMMember(d.ctx, d.n("sa-"+strings.ToLower(short)), &projects.IAMMemberArgs{
			Project: dbProject,
			Role:    pulumi.String(role),
			Member:  sa.Member,
		}, d.parent); err != nil {
			return fmt.Errorf("iam %s: %w", role, err)
		}
	}

	secretEnv, secretDeps, err := d.apiKeys(project, sa)
	if err != nil {
		return err
	}
	instance, user, err := d.database(sa)
	if err != nil {
		return err
	}
	object, bucket, err := d.source()
	if err != nil {
		return err
	}
	buildSA, buildGrants, err := d.buildAccount(project, bucket)
	if err != nil {
		return err
	}

	env := pulumi.StringMap{
		// The connector dials through cloudsqlconn with IAM authn; the URL holds
		// user and database only (no host, no password). sslmode=disable because the
		// connector already wraps the connection in mutual TLS.
		"CLOUDSQL_INSTANCE": instance,
		"DATABASE_URL":      pulumi.Sprintf("user=%s dbname=%s sslmode=disable", user, d.cfg.Database.Name),
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
			ServiceAccount: buildSA.Name,
			Source: &cloudfunctionsv2.FunctionBuildConfigSourceArgs{
				StorageSource: &cloudfunctionsv2.FunctionBuildConfigSourceStorageSourceArgs{
					Bucket: bucket,
					Object: object,
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
			ServiceAccountEmail:           sa.Email,
			IngressSettings:               pulumi.String(d.g.Ingress),
			AllTrafficOnLatestRevision:    pulumi.Bool(true),
			EnvironmentVariables:          env,
			SecretEnvironmentVariables:    secretEnv,
		},
		// The secret's version and the grant must exist before an instance starts.
	}, d.parent, pulumi.DependsOn(secretDeps), pulumi.DependsOn(buildGrants))
	if err != nil {
		return fmt.Errorf("function: %w", err)
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
			return fmt.Errorf("invoker %s: %w", member, err)
		}
	}

	if err := d.logs(project, fn); err != nil {
		return err
	}

	c.URL = fn.Url
	c.FunctionName = fn.Name
	c.ServiceAccountEmail = sa.Email
	c.InstanceConnectionName = instance
	c.ColdStartCommand = pulumi.Sprintf("go run ./scripts/coldstart --stack %s --url %s", d.ctx.Stack(), fn.Url)
	return nil
}

// buildAccount creates the service account Cloud Build runs the function's build as,
// with the project roles of BuildRoles and read access to the source bucket only.
func (d *deployer) buildAccount(project, bucket pulumi.StringOutput) (*serviceaccount.Account, []pulumi.Resource, error) {
	sa, err := serviceaccount.NewAccount(d.ctx, d.n("build-sa"), &serviceaccount.AccountArgs{
		AccountId:   pulumi.String(buildAccountID(d.ctx.Stack())),
		DisplayName: pulumi.String("ai-agent-connector build (" + d.ctx.Stack() + ")"),
		Description: pulumi.String("Builds the connector function: writes build logs and the image, reads the source archive."),
	}, d.parent)
	if err != nil {
		return nil, nil, fmt.Errorf("build service account: %w", err)
	}
	var grants []pulumi.Resource
	for _, role := range BuildRoles {
		g, err := projects.NewIAMMember(d.ctx, d.n("build-"+strings.ReplaceAll(strings.TrimPrefix(role, "roles/"), ".", "-")), &projects.IAMMemberArgs{
			Project: project,
			Role:    pulumi.String(role),
			Member:  sa.Member,
		}, d.parent)
		if err != nil {
			return nil, nil, fmt.Errorf("build iam %s: %w", role, err)
		}
		grants = append(grants, g)
	}
	g, err := storage.NewBucketIAMMember(d.ctx, d.n("build-src-read"), &storage.BucketIAMMemberArgs{
		Bucket: bucket,
		Role:   pulumi.String("roles/storage.objectViewer"),
		Member: sa.Member,
	}, d.parent)
	if err != nil {
		return nil, nil, fmt.Errorf("build source access: %w", err)
	}
	grants = append(grants, g)
	return sa, grants, nil
}

// apiKeys stores API_KEYS in Secret Manager and lets only the function's service
// account read that one secret; the function gets it as a secret env var.
func (d *deployer) apiKeys(project pulumi.StringOutput, sa *serviceaccount.Account) (cloudfunctionsv2.FunctionServiceConfigSecretEnvironmentVariableArray, []pulumi.Resource, error) {
	secret, err := secretmanager.NewSecret(d.ctx, d.n("api-keys"), &secretmanager.SecretArgs{
		SecretId: pulumi.String(labelValue("aac-" + d.ctx.Stack() + "-api-keys")),
		Labels:   d.labels(),
		Replication: &secretmanager.SecretReplicationArgs{
			Auto: &secretmanager.SecretReplicationAutoArgs{},
		},
	}, d.parent)
	if err != nil {
		return nil, nil, fmt.Errorf("api-keys secret: %w", err)
	}
	var deps []pulumi.Resource
	if d.cfg.APIKeys.IsSet() {
		// config.Load refuses a stack without apiKeys: Cloud Run checks secret
		// references at deploy, and a secret with no version fails it.
		v, err := secretmanager.NewSecretVersion(d.ctx, d.n("api-keys-v"), &secretmanager.SecretVersionArgs{
			Secret:     secret.ID(),
			SecretData: d.cfg.APIKeys.Output(),
		}, d.parent)
		if err != nil {
			return nil, nil, fmt.Errorf("api-keys version: %w", err)
		}
		deps = append(deps, v)
	}
	access, err := secretmanager.NewSecretIamMember(d.ctx, d.n("api-keys-access"), &secretmanager.SecretIamMemberArgs{
		SecretId: secret.SecretId,
		Role:     pulumi.String("roles/secretmanager.secretAccessor"),
		Member:   sa.Member,
	}, d.parent)
	if err != nil {
		return nil, nil, fmt.Errorf("api-keys access: %w", err)
	}
	deps = append(deps, access)
	return cloudfunctionsv2.FunctionServiceConfigSecretEnvironmentVariableArray{
		&cloudfunctionsv2.FunctionServiceConfigSecretEnvironmentVariableArgs{
			Key:       pulumi.String("API_KEYS"),
			ProjectId: project,
			Secret:    secret.SecretId,
			Version:   pulumi.String("latest"),
		},
	}, deps, nil
}

// database returns the instance connection name and the IAM user the function logs
// in as. A created instance has no public authorized networks and accepts only
// connector connections (mutual TLS), with IAM authentication on.
func (d *deployer) database(sa *serviceaccount.Account) (instance, user pulumi.StringOutput, err error) {
	// Cloud SQL's IAM user for a service account is its email without the
	// ".gserviceaccount.com" suffix.
	user = sa.Email.ApplyT(func(e string) string { return strings.TrimSuffix(e, ".gserviceaccount.com") }).(pulumi.StringOutput)
	db := d.cfg.Database
	if !db.Creates() {
		// An existing instance: the stack adds only this function's IAM user; the
		// instance must already have cloudsql.iam_authentication on.
		name := d.g.ExistingInstanceConnectionName
		parts := strings.Split(name, ":")
		if _, err := sql.NewUser(d.ctx, d.n("db-user"), &sql.UserArgs{
			// The instance's own project, which may not be the provider's.
			Project:  pulumi.String(parts[0]),
			Instance: pulumi.String(parts[len(parts)-1]),
			Name:     user,
			Type:     pulumi.String("CLOUD_IAM_SERVICE_ACCOUNT"),
		}, d.parent); err != nil {
			return instance, user, fmt.Errorf("db user: %w", err)
		}
		return pulumi.String(name).ToStringOutput(), user, nil
	}

	flags := sql.DatabaseInstanceSettingsDatabaseFlagArray{
		&sql.DatabaseInstanceSettingsDatabaseFlagArgs{Name: pulumi.String("cloudsql.iam_authentication"), Value: pulumi.String("on")},
		&sql.DatabaseInstanceSettingsDatabaseFlagArgs{Name: pulumi.String("log_connections"), Value: pulumi.String("on")},
		// One runaway sort or hash cannot fill the disk (issue 10): each process's
		// temporary files are capped (kB; Cloud SQL accepts 1048576 and up).
		&sql.DatabaseInstanceSettingsDatabaseFlagArgs{Name: pulumi.String("temp_file_limit"), Value: pulumi.String(strconv.Itoa(config.TempFileLimitKB(db.StorageGB)))},
	}
	if db.MaxConnections != config.CloudSQLMaxConnections(d.g.DBTier) {
		flags = append(flags, &sql.DatabaseInstanceSettingsDatabaseFlagArgs{
			Name: pulumi.String("max_connections"), Value: pulumi.String(strconv.Itoa(db.MaxConnections)),
		})
	}
	inst, err := sql.NewDatabaseInstance(d.ctx, d.n("pg"), &sql.DatabaseInstanceArgs{
		Region:             pulumi.String(d.g.Region),
		DatabaseVersion:    pulumi.String("POSTGRES_" + db.EngineVersion),
		DeletionProtection: pulumi.Bool(db.DeletionProtection),
		Settings: &sql.DatabaseInstanceSettingsArgs{
			Tier:                      pulumi.String(d.g.DBTier),
			Edition:                   pulumi.String("ENTERPRISE"),
			AvailabilityType:          pulumi.String(d.g.DBAvailability),
			DiskSize:                  pulumi.Int(db.StorageGB),
			DiskType:                  pulumi.String("PD_SSD"),
			DiskAutoresize:            pulumi.Bool(true),
			DeletionProtectionEnabled: pulumi.Bool(db.DeletionProtection),
			UserLabels:                d.labels(),
			DatabaseFlags:             flags,
			// Connector-only: the public IP exists for the connector's mTLS tunnel but
			// has no authorized networks, direct connections are refused
			// (connectorEnforcement) and every connection needs a client certificate.
			ConnectorEnforcement: pulumi.String("REQUIRED"),
			IpConfiguration: &sql.DatabaseInstanceSettingsIpConfigurationArgs{
				Ipv4Enabled:        pulumi.Bool(true),
				AuthorizedNetworks: sql.DatabaseInstanceSettingsIpConfigurationAuthorizedNetworkArray{},
				SslMode:            pulumi.String("TRUSTED_CLIENT_CERTIFICATE_REQUIRED"),
				// pulumi-gcp v7 (terraform-provider-google v5) always sends requireSsl,
				// false when unset, and Cloud SQL refuses requireSsl=false with this
				// sslMode; true is the compatible value (policy gcp-sql-ssl-pair).
				RequireSsl: pulumi.Bool(true),
			},
			BackupConfiguration: &sql.DatabaseInstanceSettingsBackupConfigurationArgs{
				Enabled:                    pulumi.Bool(true),
				PointInTimeRecoveryEnabled: pulumi.Bool(true),
				// Cloud SQL refuses retained backups below the transaction-log
				// retention (7 days by default on ENTERPRISE): keep the logs no
				// longer than the backups.
				TransactionLogRetentionDays: pulumi.Int(min(7, db.BackupRetentionDays)),
				BackupRetentionSettings: &sql.DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs{
					RetainedBackups: pulumi.Int(db.BackupRetentionDays),
					RetentionUnit:   pulumi.String("COUNT"),
				},
			},
		},
	}, d.parent)
	if err != nil {
		return instance, user, fmt.Errorf("cloud sql instance: %w", err)
	}
	if _, err := sql.NewDatabase(d.ctx, d.n("db"), &sql.DatabaseArgs{
		Instance: inst.Name,
		Name:     pulumi.String(db.Name),
	}, d.parent); err != nil {
		return instance, user, fmt.Errorf("database: %w", err)
	}
	// IAM login, no password: the connector fetches an OAuth token for the
	// function's own service account on each new connection.
	if _, err := sql.NewUser(d.ctx, d.n("db-user"), &sql.UserArgs{
		Instance: inst.Name,
		Name:     user,
		Type:     pulumi.String("CLOUD_IAM_SERVICE_ACCOUNT"),
	}, d.parent); err != nil {
		return instance, user, fmt.Errorf("db user: %w", err)
	}
	return inst.ConnectionName, user, nil
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

// buildAccountID is the build service account's id, distinct from accountID's.
func buildAccountID(stack string) string {
	id := accountID("b-" + stack)
	return id
}

// accountID makes a service account id (6-30 chars, [a-z][a-z0-9-]*[a-z0-9]) from the stack name.
func accountID(stack string) string {
	id := labelValue("aac-" + stack)
	if len(id) > 30 {
		id = id[:30]
	}
	id = strings.TrimRight(id, "-_")
	id = strings.ReplaceAll(id, "_", "-")
	for len(id) < 6 {
		id += "0"
	}
	return id
}

// labelValue lowercases and replaces characters GCP labels and ids do not accept.
func labelValue(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	out := b.String()
	if len(out) > 63 {
		out = out[:63]
	}
	return out
}
