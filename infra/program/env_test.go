package program_test

import (
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
	"github.com/ai-agent-connector/ai-agent-connector/infra/policy"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview"
	"github.com/ai-agent-connector/ai-agent-connector/infra/preview/plantest"
	"github.com/ai-agent-connector/ai-agent-connector/internal/azurenative"
)

// functionEnv reads the environment the function sees in a plan, per cloud.
var functionEnv = map[config.Cloud]func(t *testing.T, cfg *config.Config, plan *preview.Plan) map[string]string{
	config.CloudAWS: func(t *testing.T, _ *config.Config, plan *preview.Plan) map[string]string {
		fn, _ := plantest.AWSFunctions(t, plan)
		return stringMap(t, fn, "environment.variables")
	},
	config.CloudGCP: func(t *testing.T, _ *config.Config, plan *preview.Plan) map[string]string {
		return stringMap(t, only(t, plan, "gcp:cloudfunctionsv2/function:Function"), "serviceConfig.environmentVariables")
	},
	config.CloudAzure: func(t *testing.T, cfg *config.Config, plan *preview.Plan) map[string]string {
		appType := azurenative.WebAppType
		if cfg.Azure.Plan == config.AzurePlanFlex {
			appType = azurenative.WebAppV20231201Type
		}
		return plantest.NameValues(only(t, plan, appType), "siteConfig.appSettings")
	},
}

func stringMap(t *testing.T, r policy.Resource, path string) map[string]string {
	t.Helper()
	v, _ := r.Get(path)
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s %s = %v, want a map", r.Name, path, v)
	}
	out := map[string]string{}
	for k, x := range m {
		s, _ := x.(string)
		out[k] = s
	}
	return out
}

// assertFunctionEnv: on every cloud the function gets each stack setting it reads,
// spelled the way function/connector reads it, and all of Config.FunctionEnv.
func assertFunctionEnv(t *testing.T, cfg *config.Config, plan *preview.Plan) {
	read, ok := functionEnv[cfg.Cloud]
	if !ok {
		t.Fatalf("no function environment reader for cloud %s", cfg.Cloud)
	}
	env := read(t, cfg, plan)
	want := map[string]string{
		"DB_SCHEMAS":         strings.Join(cfg.DBSchemas, ","),
		"POOL_SIZE":          itoa(cfg.PoolSize),
		"QUERY_TIMEOUT_MS":   itoa(cfg.QueryTimeoutMs),
		"MAX_ROWS":           itoa(cfg.MaxRows),
		"COLD_START_WARN_MS": itoa(cfg.ColdStartWarnMs),
		"LOG_LEVEL":          cfg.LogLevel,
	}
	for _, e := range cfg.FunctionEnv() {
		if _, listed := want[e.Name]; !listed {
			want[e.Name] = e.Value // a key added to FunctionEnv must reach every cloud too
		}
	}
	for k, v := range want {
		got, set := env[k]
		if !set {
			t.Errorf("function env lacks %s (want %q)", k, v)
		} else if got != v {
			t.Errorf("function env %s = %q, want %q", k, got, v)
		}
	}
	if _, set := env["DATABASE_URL"]; !set {
		t.Error("function env lacks DATABASE_URL")
	}
}
