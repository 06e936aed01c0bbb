// Command fakelambda serves a local stand-in for a deployed stack, to try scripts/coldstart
// --stack and scripts/tune without a cloud account: the Lambda API (the calls those tools
// make) over the real connector artifact running under the Lambda Runtime Interface
// Emulator, and, with --http, the same function over plain HTTP as a GCP/Azure URL stands.
// It writes stack-output files for both and prints the commands to run. Ctrl-C stops all.
//
//	go run ./scripts/fakelambda [--port 9001] [--http 9002] [--dir .coldstart/fake]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
	"github.com/ai-agent-connector/ai-agent-connector/internal/localpg"
	"github.com/ai-agent-connector/ai-agent-connector/internal/measure/fakelambda"
)

const apiKey = "fakelambda-key-0123456789abcdef"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fakelambda:", err)
		os.Exit(2)
	}
}

func run() error {
	fs := flag.NewFlagSet("fakelambda", flag.ContinueOnError)
	port := fs.Int("port", 9001, "loopback port of the fake Lambda API")
	httpPort := fs.Int("http", 0, "loopback port serving the function over plain HTTP, as a GCP/Azure URL (0 = off)")
	arch := fs.String("arch", build.HostArch(), "arch of the deployed package: amd64 or arm64 (another than the host's runs under qemu-user)")
	memory := fs.Int("memory", 256, "initial memory size in MB")
	dir := fs.String("dir", ".coldstart/fake", "where to write the stack-output files (relative to the repo root)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := build.FindRepoRoot(".")
	if err != nil {
		return err
	}
	out := *dir
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "aac-fakelambda-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	fmt.Fprintf(os.Stderr, "building the connector for linux/%s\n", *arch)
	art, err := build.Build(ctx, build.Target{Platform: build.Lambda, Arch: *arch}, build.Options{RepoRoot: root, OutDir: work})
	if err != nil {
		return err
	}
	zip, err := os.ReadFile(art.Path)
	if err != nil {
		return err
	}
	dbURL := os.Getenv("DATABASE_URL")
	if dbURL == "" {
		fmt.Fprintln(os.Stderr, "starting a throwaway PostgreSQL")
		pg, err := localpg.Start(ctx, root, localpg.Options{})
		if err != nil {
			return err
		}
		defer pg.Stop()
		dbURL = pg.AgentURL
	}
	env := map[string]string{"DATABASE_URL": dbURL, "API_KEYS": apiKey, "POOL_SIZE": "1", "LOG_LEVEL": "warn"}
	fake, err := fakelambda.New(ctx, fakelambda.Options{Name: "ai-agent-connector-fake", Zip: zip, Arch: *arch, MemoryMB: *memory, Env: env, RepoRoot: root})
	if err != nil {
		return err
	}
	defer fake.Close()
	api := "http://127.0.0.1:" + strconv.Itoa(*port)
	if err := serve(ctx, *port, fake); err != nil {
		return err
	}
	awsOut := filepath.Join(out, "aws-outputs.json")
	if err := writeJSON(awsOut, map[string]string{"cloud": "aws", "functionName": "ai-agent-connector-fake",
		"aliasArn": "arn:aws:lambda:us-east-1:000000000000:function:ai-agent-connector-fake:live",
		"url":      "https://fake.lambda-url.us-east-1.on.aws/"}); err != nil {
		return err
	}
	fmt.Printf("fake Lambda API on %s (function ai-agent-connector-fake, %s, %d MB)\n\n", api, *arch, *memory)
	fmt.Printf("  AWS_ACCESS_KEY_ID=fake AWS_SECRET_ACCESS_KEY=fake go run ./scripts/coldstart --stack aws-dev --outputs %s --endpoint-url %s --api-key %s\n", awsOut, api, apiKey)
	fmt.Printf("  AWS_ACCESS_KEY_ID=fake AWS_SECRET_ACCESS_KEY=fake go run ./scripts/tune --stack aws-dev --outputs %s --endpoint-url %s --api-key %s --memory 128,512,1024 --arch %s\n", awsOut, api, apiKey, *arch)
	if *httpPort != 0 {
		boot := filepath.Join(work, "task", build.LambdaHandler)
		if _, err := build.Extract(art.Path, filepath.Dir(boot)); err != nil {
			return err
		}
		var envList []string
		for k, v := range env {
			envList = append(envList, k+"="+v)
		}
		emu, err := lambdaemu.Start(ctx, lambdaemu.Options{Bootstrap: boot, Arch: *arch, Env: envList, RepoRoot: root})
		if err != nil {
			return err
		}
		defer emu.Stop()
		if err := serve(ctx, *httpPort, &lambdaemu.Bridge{Invoker: emu}); err != nil {
			return err
		}
		gcpOut := filepath.Join(out, "gcp-outputs.json")
		if err := writeJSON(gcpOut, map[string]string{"cloud": "gcp", "url": "http://127.0.0.1:" + strconv.Itoa(*httpPort)}); err != nil {
			return err
		}
		fmt.Printf("  go run ./scripts/coldstart --stack gcp-dev --outputs %s --api-key %s\n", gcpOut, apiKey)
	}
	fmt.Println("\nCtrl-C stops everything.")
	<-ctx.Done()
	return nil
}

func serve(ctx context.Context, port int, h http.Handler) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
