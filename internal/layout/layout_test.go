package layout

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/ai-agent-connector/ai-agent-connector"

// The two modules: the root (the Pulumi program, its tests and the tools) and the
// function, each as a directory relative to this test and its module path.
const (
	rootDir, fnDir = "../..", "../../function"
	fnMod          = mod + "/function"
)

// pkg is one package of a module as `go list` sees it, paths relative to the module
// ("" is the module's root package).
type pkg struct {
	path    string
	imports []string // direct, of the same module only
	deps    []string // transitive, everything
}

func list(t *testing.T, dir, module string) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{"\t"}}{{join .Imports " "}}{{"\t"}}{{join .Deps " "}}`, "./...")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list in %s: %v", dir, err)
	}
	rel := func(path string) string { return strings.TrimPrefix(strings.TrimPrefix(path, module), "/") }
	var ps []pkg
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		p := pkg{path: rel(f[0]), deps: strings.Fields(f[2])}
		for _, imp := range strings.Fields(f[1]) {
			if under(imp, module) && (module != mod || !under(imp, fnMod)) {
				p.imports = append(p.imports, rel(imp))
			}
		}
		ps = append(ps, p)
	}
	if len(ps) < 8 {
		t.Fatalf("go list in %s found %d packages", dir, len(ps))
	}
	return ps
}

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
		{"infra/config, infra/build, infra/outputs and infra/policy import nothing of ours (policy checks plans, not components)",
			is("infra/config", "infra/build", "infra/outputs", "infra/policy"), only()},
		{"a cloud component imports only infra/config, infra/build and infra/outputs (infra/azure also internal/azurenative)",
			is("infra/aws", "infra/gcp"), only("infra/config", "infra/build", "infra/outputs")},
		{"a cloud component imports only infra/config, infra/build and infra/outputs (infra/azure also internal/azurenative)",
			is("infra/azure"), only("infra/config", "infra/build", "infra/outputs", "internal/azurenative")},
		{"infra/program imports only the cloud components, infra/config, infra/build and infra/outputs",
			is("infra/program"), only("infra/aws", "infra/gcp", "infra/azure", "infra/config", "infra/build", "infra/outputs")},
		{"infra/ imports only infra/ (and internal/azurenative for infra/azure); never scripts/ or the dev tooling in internal/",
			func(p string) bool { return under(p, "infra") }, func(imp string) bool { return under(imp, "infra", "internal/azurenative") }},
		{"internal/azurenative serves only infra/azure",
			func(p string) bool { return p != "infra/azure" }, func(imp string) bool { return !under(imp, "internal/azurenative") }},
		{"the dev tooling in internal/ is for scripts/ and itself; it may use infra/config and infra/build, never a component",
			func(p string) bool { return under(p, "internal") && !under(p, "internal/azurenative") },
			func(imp string) bool { return under(imp, "internal", "infra/config", "infra/build") }},
		{"nothing imports a command (scripts/*)",
			func(string) bool { return true }, func(imp string) bool { return !under(imp, "scripts") }},
		{"the root main runs infra/program and nothing else of ours",
			is(""), only("infra/program")},
	}
	checkRules(t, list(t, rootDir, mod), rules, show)
}

func checkRules(t *testing.T, ps []pkg, rules []rule, show func(string) string) {
	t.Helper()
	for _, p := range ps {
		for _, r := range rules {
			if !r.from(p.path) {
				continue
			}
			for _, imp := range p.imports {
				if !r.ok(imp) {
					t.Errorf("%s imports %s: breaks the rule %q", show(p.path), show(imp), r.name)
				}
			}
		}
	}
}

// TestNoFunctionModule: the deployed function is its own module; the infra and the
// tools reach it only as built artifacts and processes, so nothing here links it.
func TestNoFunctionModule(t *testing.T) {
	for _, p := range list(t, rootDir, mod) {
		for _, d := range p.deps {
			if d == mod+"/function" || strings.HasPrefix(d, mod+"/function/") {
				t.Errorf("%s depends on %s: breaks the rule \"the root module never imports the function module\"", show(p.path), d)
			}
		}
	}
}

func show(p string) string {
	if p == "" {
		return "the root package (main.go)"
	}
	return p
}

func showFn(p string) string {
	if p == "" {
		return "the root package (function/gcp.go)"
	}
	return "function/" + p
}
