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
	c.APIKeys = splitList(getenv("API_KEYS"))
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
	return c, nil
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
