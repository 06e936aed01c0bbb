// Package conformance holds the end-to-end MCP checks that run third-party clients against
// the real cmd/local binary on a throwaway PostgreSQL (`make conformance`, part of `make test`):
//
//   - the official MCP conformance suite (@modelcontextprotocol/conformance), server mode,
//     every scenario; the protocol-level ones must pass, and the fixture scenarios, which
//     need the suite's own test_* tools, resources and prompts, are listed in
//     expected-failures.yaml (the suite fails the run on a missing or a stale entry);
//   - the MCP Inspector CLI (@modelcontextprotocol/inspector-cli) listing and calling the tools.
//
// The tools are npm packages pinned by .ci/mcp-tools/package-lock.json and run on the Node 22
// installed with them (.ci/mcp-tools/install, into $MCP_TOOLS, default /opt/mcp-tools). Without
// them the tests skip, except under CI (CI set), where they fail.
package conformance
