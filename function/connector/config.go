package connector

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Config is the app configuration read from the environment on first use.
type Config struct {
	DatabaseURL      string
	DatabasePassword string
	APIKeys          []string
	Schemas          []string
	PoolSize         int32
	QueryTimeout     time.Duration
	AcquireTimeout   time.Duration
	MaxRows          int
	MaxResultBytes   int
	ColdStartWarn    time.Duration
	// AllowPrivilegedRole accepts a database role that can do more than
	// read (ALLOW_PRIVILEGED_ROLE=true); see privilege.go.
	AllowPrivilegedRole bool
	// MaxConcurrentPerKey caps one key's requests in flight.
	MaxConcurrentPerKey int
}

// Hard ceilings keep a misconfiguration from turning into unbounded memory.
const (
	maxRowsCeiling        = 100_000
	maxResultBytesCeiling = 64 << 20
)

// LoadConfig reads the configuration through getenv (os.Getenv in
// production; a map in tests).
func LoadConfig(getenv func(string) string, defaultPoolSize int) (Config, error) {
	c := Config{
		DatabaseURL:      strings.TrimSpace(getenv("DATABASE_URL")),
		DatabasePassword: getenv("DATABASE_PASSWORD"),
	}
	if c.DatabaseURL == "" {
		return c, fmt.Errorf("DATABASE_URL is not set")
	}
	rawKeys := getenv("API_KEYS")
	// A platform that cannot resolve a secret reference passes the
	// reference through as the value. Serving with it would make a public
	// string (it is in the deployment's settings) an API key, or send it as
	// the password: refuse to start instead, and say how to fix it.
	for _, v := range []struct{ name, value string }{
		{"API_KEYS", rawKeys}, {"DATABASE_PASSWORD", c.DatabasePassword}, {"DATABASE_URL", c.DatabaseURL},
	} {
		if err := unresolvedReference(v.name, v.value); err != nil {
			return c, err
		}
	}
	c.APIKeys = splitList(rawKeys)
	if len(c.APIKeys) == 0 {
		// Refuse to serve queries unauthenticated rather than open by default.
		return c, fmt.Errorf("API_KEYS is not set: at least one key is required")
	}
	for i, k := range c.APIKeys {
		if len(k) < 16 {
			return c, fmt.Errorf("API_KEYS entry %d is %d characters long; keys need at least 16", i+1, len(k))
		}
	}
	c.Schemas = splitList(getenv("DB_SCHEMAS"))
	if len(c.Schemas) == 0 {
		c.Schemas = []string{"public"}
	}
	if defaultPoolSize < 1 {
		defaultPoolSize = 4
	}
	var err error
	pool, err := intEnv(getenv, "POOL_SIZE", defaultPoolSize, 1, 1000)
	if err != nil {
		return c, err
	}
	c.PoolSize = int32(pool)
	ms, err := intEnv(getenv, "QUERY_TIMEOUT_MS", 5000, 10, 900_000)
	if err != nil {
		return c, err
	}
	c.QueryTimeout = time.Duration(ms) * time.Millisecond
	if ms, err = intEnv(getenv, "ACQUIRE_TIMEOUT_MS", 2000, 10, 60_000); err != nil {
		return c, err
	}
	c.AcquireTimeout = time.Duration(ms) * time.Millisecond
	if c.MaxRows, err = intEnv(getenv, "MAX_ROWS", 1000, 1, maxRowsCeiling); err != nil {
		return c, err
	}
	if c.MaxResultBytes, err = intEnv(getenv, "MAX_RESULT_BYTES", 4<<20, 1024, maxResultBytesCeiling); err != nil {
		return c, err
	}
	if ms, err = intEnv(getenv, "COLD_START_WARN_MS", 2000, 1, 600_000); err != nil {
		return c, err
	}
	c.ColdStartWarn = time.Duration(ms) * time.Millisecond
	if c.MaxConcurrentPerKey, err = intEnv(getenv, "MAX_CONCURRENT_PER_KEY", defaultPerKey(pool, len(c.APIKeys)), 1, maxPerKeyCeiling); err != nil {
		return c, err
	}
	switch v := strings.TrimSpace(getenv("ALLOW_PRIVILEGED_ROLE")); strings.ToLower(v) {
	case "", "false":
	case "true":
		c.AllowPrivilegedRole = true
	default:
		return c, fmt.Errorf("ALLOW_PRIVILEGED_ROLE=%q: want true or false", v)
	}
	return c, nil
}

// secretReferences are the forms a platform resolves into a setting's value
// before the process starts; any of them still in the value means it did not.
var secretReferences = []struct{ prefix, what, fix string }{
	{"@microsoft.keyvault(", "an Azure Key Vault reference",
		"give the function app's managed identity the Key Vault Secrets User role on the secret (or vault), check the SecretUri and the vault's network rules; the portal shows the reference's status under Environment variables"},
	{"@microsoft.appconfiguration(", "an Azure App Configuration reference",
		"give the function app's managed identity the App Configuration Data Reader role on the store and check the Endpoint and Key; the portal shows the reference's status under Environment variables"},
	{"{{resolve:", "an AWS CloudFormation dynamic reference",
		"such references resolve only in CloudFormation templates; set the value itself (the stacks pass it from a Pulumi secret)"},
	{"arn:aws:secretsmanager:", "an AWS Secrets Manager ARN",
		"Lambda does not resolve ARNs in environment variables; set the value itself (the stacks pass it from a Pulumi secret)"},
	{"arn:aws:ssm:", "an AWS SSM parameter ARN",
		"Lambda does not resolve ARNs in environment variables; set the value itself (the stacks pass it from a Pulumi secret)"},
}

// unresolvedReference reports a value that still holds a secret reference.
// The value itself is not echoed: a half-resolved one may hold a secret.
func unresolvedReference(name, value string) error {
	if len(value) < 10 {
		return nil
	}
	lower := strings.ToLower(value)
	for _, r := range secretReferences {
		if strings.Contains(lower, r.prefix) {
			return fmt.Errorf("%s holds %s that the platform did not resolve, so the function refuses to start: %s", name, r.what, r.fix)
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func intEnv(getenv func(string) string, key string, def, lo, hi int) (int, error) {
	v := strings.TrimSpace(getenv(key))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s=%q: want an integer from %d to %d", key, v, lo, hi)
	}
	return n, nil
}
