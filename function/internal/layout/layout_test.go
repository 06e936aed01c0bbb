package layout

import (
	"os/exec"
	"strings"
	"testing"
)

const (
	root = "github.com/ai-agent-connector/ai-agent-connector"
	mod  = root + "/function"
)

// pkg is one package of the module as `go list` sees it, paths relative to the
// module ("" is the Cloud Functions package at its root).
type pkg struct {
	path    string
	imports []string // direct, ours only
	deps    []string // transitive, everything
}

func list(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{"\t"}}{{join .Imports " "}}{{"\t"}}{{join .Deps " "}}`, "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var ps []pkg
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		p := pkg{path: rel(f[0]), deps: strings.Fields(f[2])}
		for _, imp := range strings.Fields(f[1]) {
			if imp == mod || strings.HasPrefix(imp, mod+"/") {
				p.imports = append(p.imports, rel(imp))
			}
		}
		ps = append(ps, p)
	}
	if len(ps) < 8 {
		t.Fatalf("go list found %d packages; run from the module", len(ps))
	}
	return ps
}

func rel(path string) string { return strings.TrimPrefix(strings.TrimPrefix(path, mod), "/") }

func under(path string, prefixes ...string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// rule: every package that from matches may import (directly) only what ok allows.
type rule struct {
	name string
	from func(p string) bool
	ok   func(imp string) bool
}

func only(allowed ...string) func(string) bool {
	return func(imp string) bool { return under(imp, allowed...) }
}

func is(paths ...string) func(string) bool {
	return func(p string) bool {
		for _, x := range paths {
			if p == x {
				return true
			}
		}
		return false
	}
}

func TestImportRules(t *testing.T) {
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
	for _, p := range list(t) {
		for _, r := range rules {
			if !r.from(p.path) {
				continue
			}
			for _, imp := range p.imports {
				if !r.ok(imp) {
					t.Errorf("%s imports %s: breaks the rule %q", show(p.path), imp, r.name)
				}
			}
		}
	}
}

// TestDependencyRules holds the rules on what a package links, not just imports.
func TestDependencyRules(t *testing.T) {
	// Platform SDKs stay in the entrypoints (cmd/lambda, rdsiam, gcp.go), so the
	// core links none of them and every platform links only its own.
	platformSDKs := []string{
		"github.com/aws/aws-lambda-go", "github.com/aws/aws-sdk-go-v2", "github.com/aws/smithy-go",
		"cloud.google.com/go", "github.com/GoogleCloudPlatform",
	}
	for _, p := range list(t) {
		for _, d := range p.deps {
			if under(d, root) && !under(d, mod) {
				t.Errorf("%s depends on %s: breaks the rule \"the function module never imports the root module (infra and tools)\"", show(p.path), d)
			}
			if under(d, "github.com/pulumi") {
				t.Errorf("%s depends on %s: breaks the rule \"the function knows no Pulumi\"", show(p.path), d)
			}
			if under(p.path, "connector", "sqlguard", "serve") && under(d, platformSDKs...) {
				t.Errorf("%s depends on %s: breaks the rule \"connector, sqlguard and serve link no platform SDK\"", show(p.path), d)
			}
		}
	}
}

func show(p string) string {
	if p == "" {
		return "the root package (gcp.go)"
	}
	return "function/" + p
}
