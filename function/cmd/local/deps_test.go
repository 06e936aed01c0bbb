package main

import (
	"testing"

	"github.com/ai-agent-connector/ai-agent-connector/function/internal/linkcheck"
)

// TestLinkedPackagesAreAllowed keeps the local binary's linked packages to
// testdata/linked-packages.txt and free of heavy standard packages.
func TestLinkedPackagesAreAllowed(t *testing.T) {
	linkcheck.Check(t, linkcheck.Target{GOARCH: "amd64"}, "testdata/linked-packages.txt")
}
