// Package linkcheck keeps what a function binary links in check, for the
// entrypoints' tests: every non-standard package must be on the binary's
// allow-list (testdata/linked-packages.txt beside the test), and no heavy
// standard package may be linked at all. It is imported only by tests.
package linkcheck

import (
	"bufio"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// heavyStd are standard packages a function has no use for and that cost
// size or init time (templates, profiling endpoints, reflection-heavy
// encoders, the Go toolchain's own packages).
var heavyStd = []string{
	"net/http/pprof", "runtime/pprof", "expvar", "html/template", "text/template",
	"plugin", "net/rpc", "encoding/gob", "testing", "go/", "debug/",
}

// stdExceptions are heavy standard packages a binary links anyway, each
// with the reason it cannot be avoided.
var stdExceptions = map[string]string{
	// The MCP go-sdk's mcp package (server.go) gob-encodes its pagination
	// cursors, so importing the SDK links gob: ~112 KB of arm64 text and
	// ~0.2 ms of package init (shared/reviews/mcp-sdk-cost.md). It is not
	// removable from outside the SDK; the zip and INIT REPORT budgets
	// (TestLambdaSizeBudget, make coldstart) account for it.
	"encoding/gob": "imported by github.com/modelcontextprotocol/go-sdk/mcp",
}

// Target is the build a binary is made with.
type Target struct {
	GOARCH string
	Tags   []string
}

// Packages lists the packages linked into the main package in the current
// directory for linux/GOARCH with the tags: standard and non-standard apart.
func Packages(t testing.TB, tg Target) (std, other []string) {
	t.Helper()
	args := []string{"list", "-deps", "-f", "{{if .Standard}}std {{end}}{{.ImportPath}}"}
	if len(tg.Tags) > 0 {
		args = append(args, "-tags", strings.Join(tg.Tags, ","))
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+tg.GOARCH, "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if p, ok := strings.CutPrefix(line, "std "); ok {
			std = append(std, p)
		} else if line != "" {
			other = append(other, line)
		}
	}
	return std, other
}

// Check fails t for every non-standard package that is linked but not on
// the allow-list file, every allow-listed one no longer linked, and every
// heavy standard package linked.
func Check(t *testing.T, tg Target, allowFile string) {
	t.Helper()
	std, other := Packages(t, tg)
	allowed := readList(t, allowFile)
	for _, p := range other {
		if !slices.Contains(allowed, p) {
			t.Errorf("%s is linked but not on %s: check what it costs (make inittrace, the size budget in infra/build), then add it", p, allowFile)
		}
	}
	for _, p := range allowed {
		if !slices.Contains(other, p) {
			t.Errorf("%s is on %s but no longer linked: remove it", p, allowFile)
		}
	}
	for _, p := range std {
		if _, ok := stdExceptions[p]; ok {
			continue
		}
		for _, h := range heavyStd {
			if p == h || (strings.HasSuffix(h, "/") && strings.HasPrefix(p, h)) {
				t.Errorf("the binary links %s, a heavy standard package a function has no use for", p)
			}
		}
	}
}

func readList(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("allow-list: %v", err)
	}
	defer f.Close()
	var out []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	if err := s.Err(); err != nil {
		t.Fatalf("allow-list %s: %v", path, err)
	}
	return out
}
