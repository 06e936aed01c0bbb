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
)

// gcpProjectRoles are the only project-level roles the function's identity may get:
// the Cloud SQL connector's client role and IAM database login. Everything else is
// granted on a single resource (the API-keys secret).
var gcpProjectRoles = map[string]bool{
	"roles/cloudsql.client":       true,
	"roles/cloudsql.instanceUser": true,
}

var passwordInURL = regexp.MustCompile(`(?i)(://[^/@\s]*:[^/@\s]*@|\bpassword=)`)

func init() {
	Register(
		Check{ID: "gcp-encryption-and-backups", Description: "Cloud SQL (encrypted at rest by Google) has backups and point-in-time recovery on; source buckets are private", Run: gcpBackupsAndBuckets},
		Check{ID: "gcp-no-public-database", Description: "Cloud SQL has no authorized networks and a public IP only behind connector enforcement", Run: gcpNoPublicDB},
		Check{ID: "gcp-tls-to-database", Description: "Cloud SQL requires TLS (connector mTLS) and IAM database authentication; no password in DATABASE_URL", Run: gcpTLS},
		Check{ID: "gcp-least-privilege-iam", Description: "functions run as a dedicated service account; project roles limited to Cloud SQL client/instance user; no basic roles", Run: gcpLeastPrivilege},
		Check{ID: "gcp-secrets-in-secret-manager", Description: "API_KEYS reaches functions only as a Secret Manager secret env var", Run: gcpSecrets},
		Check{ID: "gcp-log-retention", Description: "function logs go to a log bucket with a retention", Run: gcpLogRetention},
	)
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
	for _, t := range []string{gcpProjectMember, gcpProjectBinding} {
		for _, r := range OfType(rs, t) {
			role := r.String("role")
			if !gcpProjectRoles[role] {
				out = append(out, Violate(r, "project-level role %s is not allowed (allowed: roles/cloudsql.client, roles/cloudsql.instanceUser; grant others on a single resource)", role))
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
