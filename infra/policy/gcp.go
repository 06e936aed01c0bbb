package policy

import (
	"regexp"
	"strings"
)

// GCP type tokens the checks look at.
const (
	gcpSQLInstance    = "gcp:sql/databaseInstance:DatabaseInstance"
	gcpSQLUser        = "gcp:sql/user:User"
	gcpFunction       = "gcp:cloudfunctionsv2/function:Function"
	gcpProjectMember  = "gcp:projects/iAMMember:IAMMember"
	gcpProjectBinding = "gcp:projects/iAMBinding:IAMBinding"
	gcpSecretMember   = "gcp:secretmanager/secretIamMember:SecretIamMember"
	gcpBucket         = "gcp:storage/bucket:Bucket"
	gcpLogBucket      = "gcp:logging/projectBucketConfig:ProjectBucketConfig"
	gcpLogSink        = "gcp:logging/projectSink:ProjectSink"
	gcpService        = "gcp:projects/service:Service"
	gcpBucketMember   = "gcp:storage/bucketIAMMember:BucketIAMMember"
)

// gcpRequiredAPIs must be enabled before anything else is created (a new project has
// none of them): evidence in infra/gcp.RequiredAPIs.
var gcpRequiredAPIs = []string{
	"artifactregistry.googleapis.com", "cloudbuild.googleapis.com", "cloudfunctions.googleapis.com",
	"cloudresourcemanager.googleapis.com", "iam.googleapis.com", "logging.googleapis.com",
	"run.googleapis.com", "secretmanager.googleapis.com", "sqladmin.googleapis.com",
}

// gcpBuildRoles are the only project roles of the build service account.
var gcpBuildRoles = map[string]bool{
	"roles/artifactregistry.writer": true,
	"roles/logging.logWriter":       true,
}

// gcpProjectRoles are the only project-level roles the function's identity may get:
// the Cloud SQL connector's client role and IAM database login. Everything else is
// granted on a single resource (the API-keys secret).
var gcpProjectRoles = map[string]bool{
	"roles/cloudsql.client":       true,
	"roles/cloudsql.instanceUser": true,
}

var passwordInURL = regexp.MustCompile(`(?i)(://[^/@\s]*:[^/@\s]*@|\bpassword=)`)

// gcpChecks are the GCP policies; checks in policy.go lists them with the other clouds'.
var gcpChecks = []Check{
	Check{ID: "gcp-encryption-and-backups", Description: "Cloud SQL (encrypted at rest by Google) has backups and point-in-time recovery on; source buckets are private", Run: gcpBackupsAndBuckets},
	Check{ID: "gcp-no-public-database", Description: "Cloud SQL has no authorized networks and a public IP only behind connector enforcement", Run: gcpNoPublicDB},
	Check{ID: "gcp-tls-to-database", Description: "Cloud SQL requires TLS (connector mTLS) and IAM database authentication; no password in DATABASE_URL", Run: gcpTLS},
	Check{ID: "gcp-least-privilege-iam", Description: "functions run as a dedicated service account; project roles limited to Cloud SQL client/instance user; no basic roles", Run: gcpLeastPrivilege},
	Check{ID: "gcp-secrets-in-secret-manager", Description: "API_KEYS reaches functions only as a Secret Manager secret env var", Run: gcpSecrets},
	Check{ID: "gcp-sql-ssl-pair", Description: "sslMode TRUSTED_CLIENT_CERTIFICATE_REQUIRED goes with requireSsl true (pulumi-gcp v7 sends requireSsl=false when unset, which Cloud SQL refuses)", Run: gcpSSLPair},
	Check{ID: "gcp-project-setup", Description: "the required APIs are enabled and every other resource waits for them; the function builds as a dedicated build service account with its roles granted first", Run: gcpProjectSetup},
	Check{ID: "gcp-backup-retention", Description: "retained backups are at least the transaction-log retention days (7 by default)", Run: gcpBackupRetention},
	Check{ID: "gcp-source-kept", Description: "no age-based delete rule on a bucket holding a function's live source archive", Run: gcpSourceKept},
	Check{ID: "gcp-secret-has-version", Description: "a secret env var's secret has a version the function waits for (Cloud Run checks secret references at deploy)", Run: gcpSecretHasVersion},
	Check{ID: "gcp-log-retention", Description: "function logs go to a log bucket with a retention", Run: gcpLogRetention},
}

func gcpBackupsAndBuckets(rs []Resource) []Violation {
	var out []Violation
	for _, r := range OfType(rs, gcpSQLInstance) {
		if !r.Bool("settings.backupConfiguration.enabled") {
			out = append(out, Violate(r, "settings.backupConfiguration.enabled must be true"))
		}
		if !r.Bool("settings.backupConfiguration.pointInTimeRecoveryEnabled") {
			out = append(out, Violate(r, "settings.backupConfiguration.pointInTimeRecoveryEnabled must be true"))
		}
	}
	for _, r := range OfType(rs, gcpBucket) {
		if !r.Bool("uniformBucketLevelAccess") {
			out = append(out, Violate(r, "uniformBucketLevelAccess must be true (no per-object ACLs)"))
		}
		if r.String("publicAccessPrevention") != "enforced" {
			out = append(out, Violate(r, "publicAccessPrevention must be enforced, got %q", r.String("publicAccessPrevention")))
		}
	}
	return out
}

func gcpNoPublicDB(rs []Resource) []Violation {
	var out []Violation
	for _, r := range OfType(rs, gcpSQLInstance) {
		nets, _ := r.Get("settings.ipConfiguration.authorizedNetworks")
		if list, _ := nets.([]any); len(list) > 0 {
			out = append(out, Violate(r, "settings.ipConfiguration.authorizedNetworks must be empty (the function connects through the Cloud SQL connector)"))
		}
		ipv4, set := r.Get("settings.ipConfiguration.ipv4Enabled")
		public := !set || ipv4 == true // the provider's default is a public IP
		if public && r.String("settings.connectorEnforcement") != "REQUIRED" {
			out = append(out, Violate(r, "a public IP needs settings.connectorEnforcement REQUIRED (or set ipv4Enabled false and use a private network)"))
		}
	}
	return out
}

func gcpTLS(rs []Resource) []Violation {
	var out []Violation
	for _, r := range OfType(rs, gcpSQLInstance) {
		mode := r.String("settings.ipConfiguration.sslMode")
		if mode != "ENCRYPTED_ONLY" && mode != "TRUSTED_CLIENT_CERTIFICATE_REQUIRED" && !r.Bool("settings.ipConfiguration.requireSsl") {
			out = append(out, Violate(r, "settings.ipConfiguration.sslMode must be ENCRYPTED_ONLY or TRUSTED_CLIENT_CERTIFICATE_REQUIRED, got %q", mode))
		}
		iam := false
		flags, _ := r.Get("settings.databaseFlags")
		list, _ := flags.([]any)
		for _, f := range list {
			m, _ := f.(map[string]any)
			if m["name"] == "cloudsql.iam_authentication" && m["value"] == "on" {
				iam = true
			}
		}
		if !iam {
			out = append(out, Violate(r, "database flag cloudsql.iam_authentication must be on"))
		}
	}
	for _, r := range OfType(rs, gcpSQLUser) {
		if strings.HasPrefix(r.String("type"), "CLOUD_IAM") {
			if _, has := r.Get("password"); has {
				out = append(out, Violate(r, "an IAM database user has no password"))
			}
		}
	}
	for _, r := range OfType(rs, gcpFunction) {
		if url := r.String("serviceConfig.environmentVariables.DATABASE_URL"); passwordInURL.MatchString(url) {
			out = append(out, Violate(r, "DATABASE_URL must not carry a password (IAM authentication through the connector)"))
		}
		if r.String("serviceConfig.environmentVariables.CLOUDSQL_INSTANCE") == "" {
			out = append(out, Violate(r, "CLOUDSQL_INSTANCE must be set so the function dials through the Cloud SQL connector"))
		}
	}
	return out
}

func gcpLeastPrivilege(rs []Resource) []Violation {
	var out []Violation
	runSAs, buildSAs := map[string]bool{}, map[string]bool{}
	for _, r := range OfType(rs, gcpFunction) {
		runSAs["serviceAccount:"+r.String("serviceConfig.serviceAccountEmail")] = true
		if b := r.String("buildConfig.serviceAccount"); b != "" {
			buildSAs["serviceAccount:"+b[strings.LastIndex(b, "/")+1:]] = true
		}
	}
	for _, t := range []string{gcpProjectMember, gcpProjectBinding} {
		for _, r := range OfType(rs, t) {
			role, member := r.String("role"), r.String("member")
			switch {
			case gcpProjectRoles[role] && !buildSAs[member]:
			case gcpBuildRoles[role] && buildSAs[member] && !runSAs[member]:
			default:
				out = append(out, Violate(r, "project-level role %s for %s is not allowed (the function's account: roles/cloudsql.client, roles/cloudsql.instanceUser; the build account: roles/artifactregistry.writer, roles/logging.logWriter; grant others on a single resource)", role, member))
			}
		}
	}
	for _, r := range OfType(rs, gcpSecretMember) {
		if role := r.String("role"); role != "roles/secretmanager.secretAccessor" {
			out = append(out, Violate(r, "secret role %s is more than read access (allowed: roles/secretmanager.secretAccessor)", role))
		}
	}
	for _, r := range OfType(rs, gcpFunction) {
		if r.String("serviceConfig.serviceAccountEmail") == "" {
			out = append(out, Violate(r, "serviceConfig.serviceAccountEmail must name a dedicated service account (the default compute account has Editor)"))
		}
	}
	return out
}

func gcpSecrets(rs []Resource) []Violation {
	var out []Violation
	for _, r := range OfType(rs, gcpFunction) {
		if _, plain := r.Get("serviceConfig.environmentVariables.API_KEYS"); plain {
			out = append(out, Violate(r, "API_KEYS must not be a plain environment variable; use serviceConfig.secretEnvironmentVariables"))
		}
		found := false
		sev, _ := r.Get("serviceConfig.secretEnvironmentVariables")
		list, _ := sev.([]any)
		for _, x := range list {
			if m, _ := x.(map[string]any); m["key"] == "API_KEYS" {
				found = true
			}
		}
		if !found {
			out = append(out, Violate(r, "API_KEYS must come from Secret Manager (serviceConfig.secretEnvironmentVariables)"))
		}
	}
	return out
}

func gcpLogRetention(rs []Resource) []Violation {
	fns := OfType(rs, gcpFunction)
	if len(fns) == 0 {
		return nil
	}
	var out []Violation
	buckets := OfType(rs, gcpLogBucket)
	for _, b := range buckets {
		if b.Number("retentionDays") < 1 {
			out = append(out, Violate(b, "retentionDays must be set"))
		}
	}
	if len(buckets) == 0 || len(OfType(rs, gcpLogSink)) == 0 {
		for _, f := range fns {
			out = append(out, Violate(f, "function logs need a log bucket with retentionDays and a sink routing them there"))
		}
	}
	return out
}

// Evidence for gcp-sql-ssl-pair: terraform-provider-google v5.40.0
// google/services/sql/resource_sql_database_instance.go (forceSendFields
// "RequireSsl"), which pulumi-gcp v7 bridges; the Cloud SQL Admin API SslMode enum,
// https://cloud.google.com/sql/docs/postgres/admin-api/rest/v1beta4/instances#SslMode
// ("the legacy require_ssl flag must be true or cleared"); the server's error in
// https://github.com/terraform-google-modules/terraform-google-sql-db/issues/460
func gcpSSLPair(rs []Resource) []Violation {
	var out []Violation
	for _, r := range OfType(rs, gcpSQLInstance) {
		mode := r.String("settings.ipConfiguration.sslMode")
		req := r.Bool("settings.ipConfiguration.requireSsl")
		switch {
		case mode == "TRUSTED_CLIENT_CERTIFICATE_REQUIRED" && !req:
			out = append(out, Violate(r, "sslMode TRUSTED_CLIENT_CERTIFICATE_REQUIRED needs requireSsl true: pulumi-gcp v7 sends requireSsl=false when it is unset and Cloud SQL refuses the pair"))
		case req && mode != "" && mode != "TRUSTED_CLIENT_CERTIFICATE_REQUIRED":
			out = append(out, Violate(r, "requireSsl true conflicts with sslMode %s (it means TRUSTED_CLIENT_CERTIFICATE_REQUIRED)", mode))
		}
	}
	return out
}

// Evidence for gcp-project-setup: cloudsqlconn README ("The Cloud SQL Admin API to be
// enabled"), https://cloud.google.com/functions/docs/securing/build-custom-sa
// ("Starting in July 2024, Cloud Build has changed the default behavior ... may be
// using a default Cloud Build service account with insufficient permissions"), and
// https://cloud.google.com/run/docs/configuring/services/build-service-account
// (logging.logWriter, artifactregistry.writer, read access to the source bucket).
func gcpProjectSetup(rs []Resource) []Violation {
	fns := OfType(rs, gcpFunction)
	if len(fns) == 0 {
		return nil
	}
	var out []Violation
	services := map[string]string{} // API -> resource name
	for _, r := range OfType(rs, gcpService) {
		services[r.String("service")] = r.Name
		if r.Bool("disableOnDestroy") {
			out = append(out, Violate(r, "disableOnDestroy must be false: other workloads of the project may use %s", r.String("service")))
		}
	}
	for _, api := range gcpRequiredAPIs {
		if services[api] == "" {
			out = append(out, Violate(fns[0], "the stack does not enable %s (gcp:projects/service:Service): a new project fails with SERVICE_DISABLED", api))
		}
	}
	for _, r := range rs {
		if !strings.HasPrefix(r.Type, "gcp:") || r.Type == gcpService {
			continue
		}
		for _, api := range gcpRequiredAPIs {
			if n := services[api]; n != "" && !r.Needs(n) {
				out = append(out, Violate(r, "is not created after the API %s is enabled (DependsOn)", api))
				break
			}
		}
	}
	for _, f := range fns {
		build := f.String("buildConfig.serviceAccount")
		if build == "" {
			out = append(out, Violate(f, "buildConfig.serviceAccount must name the stack's build service account: the default build account has no roles in projects created since July 2024"))
			continue
		}
		member := "serviceAccount:" + build[strings.LastIndex(build, "/")+1:]
		have := map[string]bool{}
		for _, t := range []string{gcpProjectMember, gcpBucketMember} {
			for _, g := range OfType(rs, t) {
				if g.String("member") != member {
					continue
				}
				have[g.String("role")] = true
				if !f.Needs(g.Name) {
					out = append(out, Violate(f, "is not created after the build account's grant %s (DependsOn): the first build would fail", g.Name))
				}
			}
		}
		for _, role := range []string{"roles/artifactregistry.writer", "roles/logging.logWriter", "roles/storage.objectViewer"} {
			if !have[role] {
				out = append(out, Violate(f, "the build account %s lacks %s", member, role))
			}
		}
	}
	return out
}

// Evidence for gcp-backup-retention: "backup retention should be > transaction log
// retention", https://github.com/terraform-google-modules/terraform-google-sql-db/issues/785
func gcpBackupRetention(rs []Resource) []Violation {
	var out []Violation
	for _, r := range OfType(rs, gcpSQLInstance) {
		kept := r.Number("settings.backupConfiguration.backupRetentionSettings.retainedBackups")
		logs := r.Number("settings.backupConfiguration.transactionLogRetentionDays")
		if logs == 0 {
			logs = 7 // ENTERPRISE default
		}
		if kept > 0 && kept < logs {
			out = append(out, Violate(r, "retainedBackups %v is below transactionLogRetentionDays %v: Cloud SQL refuses it", kept, logs))
		}
	}
	return out
}

// gcpSourceKept: an age rule deletes the live archive too, and a later rebuild from
// buildConfig.source fails until `pulumi refresh` (deploy review, minor 3).
func gcpSourceKept(rs []Resource) []Violation {
	src := map[string]bool{}
	for _, f := range OfType(rs, gcpFunction) {
		src[f.String("buildConfig.source.storageSource.bucket")] = true
	}
	var out []Violation
	for _, b := range OfType(rs, gcpBucket) {
		if n := b.String("name"); n != "" && !src[n] {
			continue
		}
		rules, _ := b.Get("lifecycleRules")
		list, _ := rules.([]any)
		for _, x := range list {
			m, _ := x.(map[string]any)
			cond, _ := m["condition"].(map[string]any)
			act, _ := m["action"].(map[string]any)
			if act["type"] == "Delete" && cond["age"] != nil && cond["numNewerVersions"] == nil && cond["withState"] != "ARCHIVED" {
				out = append(out, Violate(b, "an age-based Delete rule would delete the live source archive"))
			}
		}
	}
	return out
}

// gcpSecretHasVersion: Cloud Run resolves secret references when it deploys, and a
// secret without versions fails the deploy ("Secret ... not found or has no
// versions", as Firebase tooling on the same API reports); deploy review minor 1.
func gcpSecretHasVersion(rs []Resource) []Violation {
	var out []Violation
	versions := map[string]string{} // secret id (last path element) -> version resource
	for _, v := range OfType(rs, "gcp:secretmanager/secretVersion:SecretVersion") {
		id := v.String("secret")
		versions[id[strings.LastIndex(id, "/")+1:]] = v.Name
	}
	for _, f := range OfType(rs, gcpFunction) {
		sev, _ := f.Get("serviceConfig.secretEnvironmentVariables")
		list, _ := sev.([]any)
		for _, x := range list {
			m, _ := x.(map[string]any)
			secret, _ := m["secret"].(string)
			name := versions[secret[strings.LastIndex(secret, "/")+1:]]
			switch {
			case name == "":
				out = append(out, Violate(f, "secret env var %v reads secret %s, which the stack gives no version: the deploy fails", m["key"], secret))
			case !f.Needs(name):
				out = append(out, Violate(f, "is not created after secret version %s (DependsOn)", name))
			}
		}
	}
	return out
}
