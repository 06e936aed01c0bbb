package config

import (
	"strconv"
	"strings"
)

// EnvVar is one variable of the function's environment.
type EnvVar struct{ Name, Value string }

// FunctionEnv is the part of the function's environment that comes from the stack
// config alone (function/connector/doc.go reads these), in the order the components
// declare them. Each component adds only what its cloud decides: DATABASE_URL and
// how it authenticates, and API_KEYS as its cloud's secret reference. A new key the
// function reads goes here and nowhere per cloud.
func (c *Config) FunctionEnv() []EnvVar {
	return []EnvVar{
		{"DB_SCHEMAS", strings.Join(c.DBSchemas, ",")},
		{"POOL_SIZE", strconv.Itoa(c.PoolSize)},
		{"QUERY_TIMEOUT_MS", strconv.Itoa(c.QueryTimeoutMs)},
		{"MAX_ROWS", strconv.Itoa(c.MaxRows)},
		{"COLD_START_WARN_MS", strconv.Itoa(c.ColdStartWarnMs)},
		{"LOG_LEVEL", c.LogLevel},
	}
}
