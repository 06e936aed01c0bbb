package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// GCP holds settings only Cloud Functions gen2 and Cloud SQL need (key ai-agent-connector:gcp).
type GCP struct {
	// Region of the function, bucket and Cloud SQL instance.
	Region string `json:"region"`
	// Runtime is the Cloud Functions Go runtime ID. The function module declares
	// go 1.26, so go126 (google-24 stack) or later; go125 was deprecated 2026-10-01.
	Runtime string `json:"runtime"`
	// CPU is the vCPU count ("1", "2", ...; fractional "0.583" etc. below 1 GiB).
	// Empty: derived from memoryMB (at least 1, which per-instance concurrency needs).
	CPU string `json:"cpu"`
	// Concurrency is the number of requests one instance serves at once
	// (maxInstanceRequestConcurrency). poolSize must not exceed it: a request holds
	// at most one connection, so a larger pool only idles.
	Concurrency int `json:"concurrency"`
	// Invokers are IAM members granted roles/run.invoker on the function, e.g.
	// "serviceAccount:agent@p.iam.gserviceaccount.com". "allUsers" makes the URL
	// public (the function still checks its bearer API keys); it must be listed
	// explicitly, never implied.
	Invokers []string `json:"invokers"`
	// Ingress is ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB.
	Ingress string `json:"ingress"`
	// DBTier is the Cloud SQL machine tier, e.g. db-custom-1-3840 or db-g1-small.
	DBTier string `json:"dbTier"`
	// DBAvailability is ZONAL or REGIONAL (high availability).
	DBAvailability string `json:"dbAvailability"`
	// ExistingInstanceConnectionName (database.mode existing) is project:region:instance
	// of a Cloud SQL instance that already has cloudsql.iam_authentication on.
	ExistingInstanceConnectionName string `json:"existingInstanceConnectionName"`
}

// GCP limits (Cloud Run functions / Cloud Run).
const (
	gcpMinMemoryMB      = 128
	gcpMaxMemoryMB      = 32768
	gcpMaxTimeout       = 3600 // HTTP functions, gen2
	gcpMaxConcurrency   = 1000
	gcpSuperuserReserve = 3 // superuser_reserved_connections Cloud SQL keeps back
)

// gcpRuntimes are the Go runtimes that can build the function module (go 1.26).
var gcpRuntimes = []string{"go126", "go127"}

// gcpCPUs are the vCPU values Cloud Run functions accepts.
var gcpCPUs = []string{"0.083", "0.167", "0.333", "0.583", "1", "2", "4", "6", "8"}

// gcpDefaultCPU is the vCPU count used for memoryMB when gcp.cpu is empty: at least 1
// (per-instance concurrency needs a whole CPU), then the smallest count that allows
// this much memory.
func gcpDefaultCPU(memoryMB int) string {
	switch {
	case memoryMB <= 4096:
		return "1"
	case memoryMB <= 8192:
		return "2"
	case memoryMB <= 16384:
		return "4"
	case memoryMB <= 24576:
		return "6"
	default:
		return "8"
	}
}

// gcpCPUMemory is the memory range (MB) each CPU count allows (Cloud Run limits:
// above 4 GiB needs 2 CPUs, above 8 GiB 4, above 16 GiB 6, above 24 GiB 8; 4 CPUs need
// at least 2 GiB and 6 or 8 CPUs at least 4 GiB; fractional CPUs at most 1 GiB).
func gcpCPUMemory(cpu string) (lo, hi int) {
	switch cpu {
	case "1":
		return 128, 4096
	case "2":
		return 128, 8192
	case "4":
		return 2048, 16384
	case "6":
		return 4096, 24576
	case "8":
		return 4096, 32768
	default: // fractional
		return 128, 1024
	}
}

// cloudSQLTier reads the RAM (MB) of a Cloud SQL tier name.
var customTier = regexp.MustCompile(`^db-(?:custom|perf-optimized-N)-(\d+)-(\d+)$`)

var sharedTierMB = map[string]int{"db-f1-micro": 614, "db-g1-small": 1740}

// CloudSQLMaxConnections is Cloud SQL for PostgreSQL's default max_connections for a
// tier (by its RAM, per the Cloud SQL flags documentation), 0 if the tier is unknown.
func CloudSQLMaxConnections(tier string) int {
	mb, ok := sharedTierMB[tier]
	if !ok {
		m := customTier.FindStringSubmatch(tier)
		if m == nil {
			return 0
		}
		mb, _ = strconv.Atoi(m[2])
	}
	gb := float64(mb) / 1024
	// Default max_connections by instance memory (Cloud SQL for PostgreSQL flags
	// documentation); database.maxConnections overrides it when the flag is changed.
	for _, row := range []struct {
		belowGB float64
		conns   int
	}{{1, 25}, {3.75, 50}, {6, 100}, {7.5, 200}, {15, 400}, {30, 500}, {60, 600}, {120, 800}} {
		if gb < row.belowGB {
			return row.conns
		}
	}
	return 1000
}

// cloudSQLInstanceConnectionName matches project:region:instance.
var cloudSQLInstanceConnectionName = regexp.MustCompile(`^[a-z][a-z0-9-]{4,61}[a-z0-9](?::[a-z][a-z0-9.-]*)?:[a-z]+-[a-z]+\d+:[a-z][a-z0-9-]*$`)

var gcpRegion = regexp.MustCompile(`^[a-z]+-[a-z]+\d+$`)

var gcpMember = regexp.MustCompile(`^(allUsers|allAuthenticatedUsers|(user|serviceAccount|group|domain|principal|principalSet):.+)$`)

func (g *GCP) applyDefaults(c *Config) {
	if c.MemoryMB == 0 {
		c.MemoryMB = 512
	}
	if g.Region == "" {
		g.Region = "us-central1"
	}
	if g.Runtime == "" {
		g.Runtime = gcpRuntimes[0]
	}
	if g.CPU == "" {
		g.CPU = gcpDefaultCPU(c.MemoryMB)
	}
	if g.Concurrency == 0 {
		g.Concurrency = 8
	}
	if g.Ingress == "" {
		g.Ingress = "ALLOW_ALL"
	}
	if g.DBTier == "" {
		g.DBTier = "db-custom-1-3840"
	}
	if g.DBAvailability == "" {
		g.DBAvailability = "ZONAL"
	}
	if c.Database.MaxConnections == 0 && c.Database.Creates() {
		c.Database.MaxConnections = CloudSQLMaxConnections(g.DBTier)
	}
}

func (g *GCP) validate(c *Config, v *Problems) {
	if c.MemoryMB < gcpMinMemoryMB || c.MemoryMB > gcpMaxMemoryMB {
		v.addf("memoryMB", c.MemoryMB, "%d to %d (Cloud Run functions memory range)", gcpMinMemoryMB, gcpMaxMemoryMB)
	}
	if c.TimeoutSeconds > gcpMaxTimeout {
		v.addf("timeoutSeconds", c.TimeoutSeconds, "1 to %d (HTTP functions, gen2)", gcpMaxTimeout)
	}
	if c.LogRetentionDays > 3650 {
		v.Add("logRetentionDays", c.LogRetentionDays, "1 to 3650 (Cloud Logging bucket retention)")
	}
	if !gcpRegion.MatchString(g.Region) {
		v.Add("gcp.region", g.Region, "a GCP region such as us-central1 or europe-west1")
	}
	if !slices.Contains(gcpRuntimes, g.Runtime) {
		v.addf("gcp.runtime", g.Runtime, "one of %s (the function module needs Go 1.26 or later)", strings.Join(gcpRuntimes, ", "))
	}
	cpuOK := slices.Contains(gcpCPUs, g.CPU)
	if !cpuOK {
		v.addf("gcp.cpu", g.CPU, "one of %s", strings.Join(gcpCPUs, ", "))
	} else if lo, hi := gcpCPUMemory(g.CPU); c.MemoryMB >= gcpMinMemoryMB && c.MemoryMB <= gcpMaxMemoryMB && (c.MemoryMB < lo || c.MemoryMB > hi) {
		v.addf("memoryMB", c.MemoryMB, "%d to %d MB with gcp.cpu %s (Cloud Run memory/CPU limits); change memoryMB or gcp.cpu", lo, hi, g.CPU)
	}
	if g.Concurrency < 1 || g.Concurrency > gcpMaxConcurrency {
		v.addf("gcp.concurrency", g.Concurrency, "1 to %d", gcpMaxConcurrency)
	} else if cpuOK && g.Concurrency > 1 && !wholeCPU(g.CPU) {
		v.addf("gcp.concurrency", g.Concurrency, "1 with gcp.cpu %s: concurrency above 1 needs at least 1 CPU", g.CPU)
	}
	if c.PoolSize > g.Concurrency && g.Concurrency >= 1 {
		v.addf("poolSize", c.PoolSize, "at most gcp.concurrency (%d): a request holds one connection at a time, extra pooled connections only idle and eat the database budget", g.Concurrency)
	}
	for _, m := range g.Invokers {
		if !gcpMember.MatchString(m) {
			v.Add("gcp.invokers", m, "IAM members such as serviceAccount:NAME@PROJECT.iam.gserviceaccount.com, user:EMAIL, group:EMAIL or allUsers")
		}
	}
	if !slices.Contains([]string{"ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"}, g.Ingress) {
		v.Add("gcp.ingress", g.Ingress, "one of ALLOW_ALL, ALLOW_INTERNAL_ONLY, ALLOW_INTERNAL_AND_GCLB")
	}
	if g.DBAvailability != "ZONAL" && g.DBAvailability != "REGIONAL" {
		v.Add("gcp.dbAvailability", g.DBAvailability, "ZONAL or REGIONAL")
	}
	db := c.Database
	switch db.Mode {
	case "create":
		if CloudSQLMaxConnections(g.DBTier) == 0 && db.MaxConnections == 0 {
			v.Add("gcp.dbTier", g.DBTier, "db-f1-micro, db-g1-small or db-custom-CPUS-MEMORYMB (e.g. db-custom-1-3840), or set database.maxConnections for other tiers")
		}
		if major, err := strconv.Atoi(db.EngineVersion); err != nil || major < 13 || major > 17 {
			v.Add("database.engineVersion", db.EngineVersion, "a Cloud SQL PostgreSQL major version: 13 to 17")
		}
		if g.ExistingInstanceConnectionName != "" {
			v.Add("database.mode", db.Mode, "existing (gcp.existingInstanceConnectionName only applies to an existing database)")
		}
	case "existing":
		if !cloudSQLInstanceConnectionName.MatchString(g.ExistingInstanceConnectionName) {
			v.Add("gcp.existingInstanceConnectionName", g.ExistingInstanceConnectionName, "PROJECT:REGION:INSTANCE of the existing Cloud SQL instance (required with database.mode existing)")
		}
		if db.MaxConnections == 0 {
			v.Add("database.maxConnections", nil, "the existing instance's max_connections (required with database.mode existing, for the connection budget)")
		}
	}
	// The connection budget: the Cloud SQL connector is not a pooler, so every
	// instance may hold a full pool of server connections; Cloud SQL keeps a few
	// connections back for superusers.
	if lim := db.MaxConnections - gcpSuperuserReserve; db.MaxConnections > 0 && c.MaxInstances*c.PoolSize > lim {
		v.addf("maxInstances", c.MaxInstances,
			"maxInstances × poolSize (%d × %d = %d) must fit Cloud SQL's %d connections (max_connections %d minus %d reserved for superusers): lower maxInstances or poolSize, or use a larger gcp.dbTier",
			c.MaxInstances, c.PoolSize, c.MaxInstances*c.PoolSize, lim, db.MaxConnections, gcpSuperuserReserve)
	}
}

func wholeCPU(cpu string) bool {
	f, err := strconv.ParseFloat(cpu, 64)
	return err == nil && f >= 1
}

// GCPMemory is memoryMB in the unit Cloud Run functions expects ("512Mi").
func (c *Config) GCPMemory() string { return fmt.Sprintf("%dMi", c.MemoryMB) }
