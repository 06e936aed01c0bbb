package layout

import "testing"

// The function module's rules. They live here, not in function/, so the two modules'
// checks share one harness; `make test` runs both.

func TestFunctionImportRules(t *testing.T) {
	rules := []rule{
		{"connector (the core and its REST and MCP adapters) imports only sqlguard of ours",
			is("connector"), only("sqlguard")},
		{"sqlguard, rdsiam, dbrole and pgtest import nothing of ours",
			is("sqlguard", "rdsiam", "dbrole", "pgtest"), only()},
		{"serve imports only connector",
			is("serve"), only("connector")},
		{"an entrypoint (cmd/*, the root Cloud Functions package) imports only connector, serve, rdsiam and dbrole",
			func(p string) bool { return p == "" || under(p, "cmd") }, only("connector", "serve", "rdsiam", "dbrole")},
		{"pgtest is for tests and local runs: no deployed code imports it (function/internal/pgtestd runs it as a process)",
			func(p string) bool { return p != "internal/pgtestd" }, func(imp string) bool { return imp != "pgtest" }},
		{"nothing imports an entrypoint or a command (cmd/*, internal/hello, internal/pgtestd, the root package)",
			func(string) bool { return true }, func(imp string) bool { return imp != "" && !under(imp, "cmd", "internal/hello", "internal/pgtestd") }},
	}
	checkRules(t, list(t, fnDir, fnMod), rules, showFn)
}

// TestFunctionDependencyRules holds the rules on what a package links, not just imports.
func TestFunctionDependencyRules(t *testing.T) {
	// Platform SDKs stay in the entrypoints (cmd/lambda, rdsiam, gcp.go), so the
	// core links none of them and every platform links only its own.
	platformSDKs := []string{
		"github.com/aws/aws-lambda-go", "github.com/aws/aws-sdk-go-v2", "github.com/aws/smithy-go",
		"cloud.google.com/go", "github.com/GoogleCloudPlatform",
	}
	for _, p := range list(t, fnDir, fnMod) {
		for _, d := range p.deps {
			if under(d, mod) && !under(d, fnMod) {
				t.Errorf("%s depends on %s: breaks the rule \"the function module never imports the root module (infra and tools)\"", showFn(p.path), d)
			}
			if under(d, "github.com/pulumi") {
				t.Errorf("%s depends on %s: breaks the rule \"the function knows no Pulumi\"", showFn(p.path), d)
			}
			if under(p.path, "connector", "sqlguard", "serve") && under(d, platformSDKs...) {
				t.Errorf("%s depends on %s: breaks the rule \"connector, sqlguard and serve link no platform SDK\"", showFn(p.path), d)
			}
		}
	}
}
