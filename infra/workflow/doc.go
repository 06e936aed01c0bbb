// Package workflow holds the tests of .github/workflows/deploy.yml: actionlint (run as a
// Go tool dependency of the root module, `go tool actionlint`) and a check that the
// deploy matrix lists exactly the stacks in stacks/ with their clouds.
package workflow
