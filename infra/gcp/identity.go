package gcp

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/cloudfunctionsv2"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/secretmanager"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

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

// serviceAccount creates the function's own service account, with the Cloud SQL
// roles it needs and nothing else.
func (d *deployer) serviceAccount() (*serviceaccount.Account, error) {
	sa, err := serviceaccount.NewAccount(d.ctx, d.n("sa"), &serviceaccount.AccountArgs{
		AccountId:   pulumi.String(accountID(d.ctx.Stack())),
		DisplayName: pulumi.String("ai-agent-connector function (" + d.ctx.Stack() + ")"),
		Description: pulumi.String("Runs the connector function: Cloud SQL client and IAM login, reads its API-keys secret. Nothing else."),
	}, d.parent)
	if err != nil {
		return nil, fmt.Errorf("service account: %w", err)
	}
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
			return nil, fmt.Errorf("iam %s: %w", role, err)
		}
	}
	return sa, nil
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
