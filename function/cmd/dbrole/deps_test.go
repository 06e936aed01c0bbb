package main

import (
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/function/internal/linkcheck"
)

// TestProvisionerLinkedPackagesAreAllowed holds the provisioner to its allow-list
// (testdata/linked-packages.txt): the runtime loop and pgx, nothing of the
// connector's HTTP/MCP stack or a cloud SDK.
func TestProvisionerLinkedPackagesAreAllowed(t *testing.T) {
	linkcheck.Check(t, linkcheck.Target{GOARCH: "arm64", Tags: []string{"lambda.norpc"}}, "testdata/linked-packages.txt")
}
