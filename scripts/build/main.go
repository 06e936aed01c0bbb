// Command build writes the three platform artifacts as deterministic zips (infra/build):
// the Lambda bootstrap (arm64 by default), the Azure Functions custom handler package and
// the Cloud Functions source archive, and prints their sizes and hashes. The same source
// gives the same bytes, so the hashes say whether a deploy would change anything.
//
//	go run ./scripts/build [-out dist] [-lambda-arch arm64]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"text/tabwriter"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
)

func main() {
	out := flag.String("out", "dist", "output directory")
	arch := flag.String("lambda-arch", "arm64", "Lambda arch: arm64 or amd64")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir, err := filepath.Abs(*out)
	if err != nil {
		fail(err)
	}
	targets := []build.Target{{Platform: build.Lambda, Arch: *arch}, {Platform: build.Azure}, {Platform: build.GCP}}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "target\thandler\tbytes\tsha256\tpath")
	for _, t := range targets {
		a, err := build.Build(ctx, t, build.Options{OutDir: dir})
		if err != nil {
			fail(err)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", a.Target, a.Handler, a.Size, a.SHA256, a.Path)
	}
	tw.Flush()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "build:", err)
	os.Exit(1)
}
