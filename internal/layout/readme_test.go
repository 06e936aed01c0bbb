package layout

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeLayoutCoversEveryPackage: the README's layout table names every package
// of both modules, so a new package cannot land without saying what it holds.
func TestReadmeLayoutCoversEveryPackage(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	named := tablePaths(string(b))
	if len(named) < 10 {
		t.Fatalf("found %d paths in the README's layout table (| path | what it holds |)", len(named))
	}
	var pkgs []string
	for _, p := range list(t, rootDir, mod) {
		if p.path == "" {
			pkgs = append(pkgs, "main.go")
		} else {
			pkgs = append(pkgs, p.path)
		}
	}
	for _, p := range list(t, fnDir, fnMod) {
		if p.path == "" {
			pkgs = append(pkgs, "function/gcp.go")
		} else {
			pkgs = append(pkgs, "function/"+p.path)
		}
	}
	for _, p := range pkgs {
		if !named[p] {
			t.Errorf("package %s is not in the README's layout table: add a row (| `%s` | what it holds |)", p, p)
		}
	}
}

// tablePaths returns the backquoted paths in the first column of the table headed
// "| path | what it holds |", with {a,b} expanded.
func tablePaths(readme string) map[string]bool {
	out := map[string]bool{}
	_, table, ok := strings.Cut(readme, "| path | what it holds |")
	if !ok {
		return out
	}
	table, _, _ = strings.Cut(table, "\n\n")
	for _, line := range strings.Split(table, "\n") {
		cols := strings.Split(line, "|")
		if len(cols) < 3 {
			continue
		}
		parts := strings.Split(cols[1], "`")
		for i := 1; i < len(parts); i += 2 {
			for _, p := range expand(parts[i]) {
				out[strings.TrimSuffix(p, "/")] = true
			}
		}
	}
	return out
}

func expand(p string) []string {
	open := strings.Index(p, "{")
	end := strings.Index(p, "}")
	if open < 0 || end < open {
		return []string{p}
	}
	var out []string
	for _, alt := range strings.Split(p[open+1:end], ",") {
		out = append(out, expand(p[:open]+alt+p[end+1:])...)
	}
	return out
}
