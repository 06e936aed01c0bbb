// Command build writes the three platform artifacts as deterministic zips (infra/build):
// the Lambda bootstrap (arm64 by default), the Azure Functions custom handler package and
// the Cloud Functions source archive, and prints their sizes and hashes. The same source
// gives the same bytes, so the hashes say whether a deploy would change anything.
//
//	go run ./scripts/build [--out dist] [--lambda-arch arm64]
//
// Exit status: 0 built, 2 on errors.
package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/cli"
)

const usage = `Usage: go run ./scripts/build [--out dist] [--lambda-arch arm64]

Writes the Lambda, Azure Functions and Cloud Functions artifacts as deterministic zips
and prints their sizes and SHA-256 hashes (same source, same bytes).
`

func main() { cli.Main(run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.FlagSet("build", usage, stderr)
	out := fs.String("out", "dist", "output directory")
	arch := fs.String("lambda-arch", "arm64", "Lambda arch: arm64 or amd64")
	if code, ok := cli.Parse(fs, args); !ok {
		return code
	}
	dir, err := filepath.Abs(*out)
	if err != nil {
		return cli.Fail(stderr, "build", err)
	}
	targets := []build.Target{{Platform: build.Lambda, Arch: *arch}, {Platform: build.Azure}, {Platform: build.GCP}}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "target\thandler\tbytes\tsha256\tpath")
	for _, t := range targets {
		a, err := build.Build(ctx, t, build.Options{OutDir: dir})
		if err != nil {
			return cli.Fail(stderr, "build", err)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", a.Target, a.Handler, a.Size, a.SHA256, a.Path)
	}
	if err := tw.Flush(); err != nil {
		return cli.Fail(stderr, "build", err)
	}
	return cli.OK
}
