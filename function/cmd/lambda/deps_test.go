package main

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/function/internal/linkcheck"
)

// linkedModules lists the modules a binary links, as `go list -deps` sees it for the exact
// build target (GOOS, GOARCH, tags) the artifact is built for.
func linkedModules(t *testing.T, goarch string, tags ...string) map[string]bool {
	t.Helper()
	args := []string{"list", "-deps", "-f", "{{if .Module}}{{.Module.Path}}{{end}}"}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := map[string]bool{}
	for _, m := range strings.Fields(string(out)) {
		seen[m] = true
	}
	return seen
}

// allowed is every module the Lambda bootstrap may link; a new one must earn its place in
// the size budget (infra/build TestLambdaSizeBudget) and init time (scripts/inittrace).
var allowed = []string{
	"github.com/ai-agent-connector/ai-agent-connector/function",
	"github.com/aws/aws-lambda-go",                  // runtime API loop, lambdaurl
	"github.com/aws/aws-sdk-go-v2",                  // aws.Credentials, SigV4 for the RDS token
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth", // BuildAuthToken
	"github.com/aws/smithy-go",                      // used by the SigV4 signer
	"github.com/jackc/pgx/v5", "github.com/jackc/puddle/v2", "github.com/jackc/pgpassfile", "github.com/jackc/pgservicefile",
	"golang.org/x/text", "golang.org/x/sync",
	// /mcp (issue 13): the official MCP go-sdk and what its mcp package imports at package
	// level. +~540 KB of zip (the size budget went from 1.6x to 1.8x for it), ~0.6 ms of
	// package init; the server itself is built on the first /mcp request.
	"github.com/modelcontextprotocol/go-sdk",
	"github.com/google/jsonschema-go",                           // tool schemas (ours are hand-written: no reflection)
	"github.com/segmentio/encoding", "github.com/segmentio/asm", // the SDK's JSON-RPC framing
	"github.com/yosida95/uritemplate/v3", // resource templates (none registered)
	"golang.org/x/oauth2",                // the SDK's auth packages (unused: our own API keys)
	"golang.org/x/time",                  // the SDK's log-notification rate limiter
	"golang.org/x/sys",                   // CPU feature detection for segmentio/asm
}

// forbidden are the GCP-only modules; the Lambda binary must never link them.
var forbidden = []string{
	"github.com/GoogleCloudPlatform/functions-framework-go",
	"github.com/cloudevents/sdk-go/v2",
	"cloud.google.com/go/cloudsqlconn",
}

// TestLambdaLinkedPackagesAreAllowed holds the bootstrap to its package-level
// allow-list (testdata/linked-packages.txt) and keeps heavy standard packages out.
func TestLambdaLinkedPackagesAreAllowed(t *testing.T) {
	linkcheck.Check(t, linkcheck.Target{GOARCH: "arm64", Tags: []string{"lambda.norpc"}}, "testdata/linked-packages.txt")
}

func TestLambdaLinksOnlyLambdaModules(t *testing.T) {
	seen := linkedModules(t, "arm64", "lambda.norpc")
	for _, m := range forbidden {
		if seen[m] {
			t.Errorf("the Lambda binary links %s (GCP only)", m)
		}
	}
	for m := range seen {
		if !slices.Contains(allowed, m) {
			t.Errorf("the Lambda binary links %s, which is not on the allow-list", m)
		}
	}
	if !seen["github.com/aws/aws-sdk-go-v2/feature/rds/auth"] {
		t.Error("rds/auth is not linked: IAM database auth would be missing")
	}
}
