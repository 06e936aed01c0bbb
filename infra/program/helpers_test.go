package program_test

import "github.com/ai-agent-connector/ai-agent-connector/infra/preview/plantest"

// The shared plan-test helpers, under the names these tests use.
var (
	only        = plantest.Only
	itoa        = plantest.Itoa
	writeStack  = plantest.WriteStack
	projectRoot = plantest.Root
)
