package config

import (
	"slices"
	"strings"
)

func (c *Config) validate(v *Problems, d *decoder) {
	if !contains(supportedArch[c.Cloud], c.Arch) {
		v.addf("arch", c.Arch, "%s runs only %s", c.Cloud, strings.Join(supportedArch[c.Cloud], ", "))
	}
	if c.MemoryMB < 0 {
		v.Add("memoryMB", c.MemoryMB, "a positive number of MB")
	}
	if c.TimeoutSeconds < 1 {
		v.Add("timeoutSeconds", c.TimeoutSeconds, "at least 1")
	}
	if c.WarmInstances < 0 {
		v.Add("warmInstances", c.WarmInstances, "0 or more")
	}
	if c.MaxInstances < 1 {
		v.Add("maxInstances", c.MaxInstances, "at least 1")
	}
	if c.WarmInstances > c.MaxInstances && c.MaxInstances >= 1 {
		v.addf("warmInstances", c.WarmInstances, "at most maxInstances (%d): warm instances count against the maximum", c.MaxInstances)
	}
	if c.PoolSize < 1 {
		v.Add("poolSize", c.PoolSize, "at least 1")
	}
	if c.ColdStartWarnMs < 1 {
		v.Add("coldStartWarnMs", c.ColdStartWarnMs, "at least 1 ms")
	}
	if c.LogRetentionDays < 1 {
		v.Add("logRetentionDays", c.LogRetentionDays, "at least 1 day")
	}
	if c.QueryTimeoutMs < 1 || c.QueryTimeoutMs >= c.TimeoutSeconds*1000 {
		v.addf("queryTimeoutMs", c.QueryTimeoutMs, "1 to %d (below timeoutSeconds, so a slow query fails cleanly instead of the function timing out)", c.TimeoutSeconds*1000-1)
	}
	if c.MaxRows < 1 {
		v.Add("maxRows", c.MaxRows, "at least 1")
	}
	if len(c.DBSchemas) == 0 {
		v.Add("dbSchemas", "", "a comma-separated list of schema names, e.g. public")
	}
	for _, s := range c.DBSchemas {
		if !isIdent(s) {
			v.Add("dbSchemas", strings.Join(c.DBSchemas, ","), "comma-separated PostgreSQL identifiers (letters, digits, _)")
			break
		}
	}
	db := c.Database
	if db.Mode != "create" && db.Mode != "existing" {
		v.Add("database.mode", db.Mode, "create or existing")
	}
	if !isIdent(db.Name) {
		v.Add("database.name", db.Name, "a PostgreSQL identifier (letters, digits, _)")
	}
	if !isIdent(db.User) {
		v.Add("database.user", db.User, "a PostgreSQL identifier (letters, digits, _)")
	} else if slices.Contains(reservedDBUsers, strings.ToLower(db.User)) {
		// Every API-key holder acts as this role.
		v.addf("database.user", db.User, "a role other than %s: those are admin roles (a created database's admin is aacadmin); the function connects as a separate read-only role (scripts/dbrole)", strings.Join(reservedDBUsers, ", "))
	}
	if db.StorageGB < 20 || db.StorageGB > 65536 {
		v.Add("database.storageGB", db.StorageGB, "20 to 65536")
	}
	if db.BackupRetentionDays < 1 || db.BackupRetentionDays > 35 {
		v.Add("database.backupRetentionDays", db.BackupRetentionDays, "1 to 35 (backups stay on)")
	}
	if db.MaxConnections < 0 {
		v.Add("database.maxConnections", db.MaxConnections, "0 (derive from the instance size) or a positive limit")
	}
	switch c.Cloud {
	case CloudAWS:
		c.AWS.validate(c, v)
	case CloudGCP:
		c.GCP.validate(c, v)
	case CloudAzure:
		c.Azure.validate(c, v)
	}
	// The connection budget: every instance may hold a full pool at once. A cloud
	// section may have checked a tighter budget (a pooler's share) already.
	if lim := c.Database.MaxConnections; lim > 0 && c.MaxInstances*c.PoolSize > lim && !v.has("maxInstances") {
		v.addf("maxInstances", c.MaxInstances,
			"maxInstances × poolSize (%d × %d = %d) must fit the database's %d connections: lower maxInstances or poolSize, or raise database.maxConnections",
			c.MaxInstances, c.PoolSize, c.MaxInstances*c.PoolSize, lim)
	}
}

func oneOf(allowed ...string) func(string) string {
	return func(s string) string {
		if contains(allowed, s) {
			return ""
		}
		return "one of " + strings.Join(allowed, ", ")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isIdent(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// closest returns the candidate within edit distance 2 of s (case-insensitive), if any.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// checkSections rejects settings for another cloud (silently ignored otherwise) and
// provider settings that disagree with this project's.
func (d *decoder) checkSections(c *Config) {
	for _, cl := range clouds {
		if cl == c.Cloud {
			continue
		}
		if s, ok := d.raw(string(cl)); ok && s != "" && s != "{}" && s != "null" {
			d.v.addf(string(cl), raw(s), "only for cloud %s; this stack's cloud is %s, which ignores it: remove the section (or set cloud: %s)", cl, c.Cloud, cl)
		}
		prefix := map[Cloud]string{CloudAWS: "aws:", CloudGCP: "gcp:", CloudAzure: "azure-native:"}[cl]
		for k := range d.src.FileKeys {
			if strings.HasPrefix(k, prefix) {
				d.v.addf(k, raw(d.src.Values[k]), "provider config of %s in a %s stack: remove it", cl, c.Cloud)
			}
		}
	}
	switch c.Cloud {
	case CloudAWS:
		if r, ok := d.src.Values["aws:region"]; ok && !slices.Contains(awsRegions, r) {
			allowed := "an AWS region name, e.g. us-east-1 (" + strings.Join(awsRegions, ", ") + ")"
			if near := closest(r, awsRegions); near != "" {
				allowed = "not an AWS region; did you mean " + near + "?"
			}
			d.v.Add("aws:region", r, allowed)
		}
	case CloudAzure:
		// azure.location places the resources; azure-native:location is the provider's
		// default for anything else. Two values leave resources in two regions.
		if l, ok := d.src.Values["azure-native:location"]; ok && l != c.Azure.Location {
			d.v.addf("azure-native:location", l, "the same region as ai-agent-connector:azure.location (%s), or unset", c.Azure.Location)
		}
	}
}

// awsRegions are the AWS Regions (commercial, GovCloud and China) as of 2026-12, from
// https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
var awsRegions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "cn-north-1",
	"cn-northwest-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
	"eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
	"sa-east-1", "us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2",
}
