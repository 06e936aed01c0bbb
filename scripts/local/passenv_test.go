package main

import (
	"slices"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/infra/config"
)

// TestPassEnvCoversFunctionEnv: every setting a deployed function gets from its stack
// can be set for a local run from the shell too.
func TestPassEnvCoversFunctionEnv(t *testing.T) {
	var cfg config.Config
	for _, e := range cfg.FunctionEnv() {
		if !slices.Contains(passEnv, e.Name) {
			t.Errorf("passEnv lacks %s, which config.FunctionEnv gives every deployed function: add it to passEnv in scripts/local/main.go", e.Name)
		}
	}
}
