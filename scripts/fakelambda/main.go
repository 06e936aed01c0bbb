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
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	"github.com/ai-agent-connector/ai-agent-connector/internal/cli"
	"github.com/ai-agent-connector/ai-agent-connector/internal/lambdaemu"
	"github.com/ai-agent-connector/ai-agent-connector/internal/localrun"
	"github.com/ai-agent-connector/ai-agent-connector/internal/measure/fakelambda"
)

const apiKey = "fakelambda-key-0123456789abcdef"

const usage = `Usage: go run ./scripts/fakelambda [--port 9001] [--http 9002] [--dir .coldstart/fake]

Serves a local stand-in for a deployed stack: the Lambda API calls that coldstart --stack
and tune make, over the real connector artifact under the Lambda Runtime Interface
Emulator, and with --http the same function over plain HTTP (a GCP/Azure URL). Writes
stack-output files and prints the commands to run. Ctrl-C stops everything.
`

func main() { cli.Main(run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.FlagSet("fakelambda", usage, stderr)
	port := fs.Int("port", 9001, "loopback port of the fake Lambda API")
	httpPort := fs.Int("http", 0, "loopback port serving the function over plain HTTP, as a GCP/Azure URL (0 = off)")
	arch := fs.String("arch", build.HostArch(), "arch of the deployed package: amd64 or arm64 (another than the host's runs under qemu-user)")
	memory := fs.Int("memory", 256, "initial memory size in MB")
	dir := fs.String("dir", ".coldstart/fake", "where to write the stack-output files (relative to the repo root)")
	if code, ok := cli.Parse(fs, args); !ok {
		return code
	}
	if err := fake(ctx, *port, *httpPort, *arch, *memory, *dir, stdout, stderr); err != nil {
		return cli.Fail(stderr, "fakelambda", err)
	}
	return cli.OK
}

func fake(ctx context.Context, port, httpPort int, arch string, memory int, dir string, stdout, stderr io.Writer) error {
	step := func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	loc, err := localrun.Start(ctx, localrun.Options{Name: "fakelambda", Arch: arch, Step: step})
	if err != nil {
		return err
	}
	defer loc.Close()
	out := dir
	if !filepath.IsAbs(out) {
		out = filepath.Join(loc.Root, out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	zip, err := os.ReadFile(loc.Artifact.Path)
	if err != nil {
		return err
	}
	env := map[string]string{"DATABASE_URL": loc.DatabaseURL, "API_KEYS": apiKey, "POOL_SIZE": "1", "LOG_LEVEL": "warn"}
	fake, err := fakelambda.New(ctx, fakelambda.Options{Name: "ai-agent-connector-fake", Zip: zip, Arch: arch, MemoryMB: memory, Env: env, RepoRoot: loc.Root})
	if err != nil {
		return err
	}
	defer fake.Close()
	api := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := serve(ctx, port, fake); err != nil {
		return err
	}
	awsOut := filepath.Join(out, "aws-outputs.json")
	if err := writeJSON(awsOut, map[string]string{"cloud": "aws", "functionName": "ai-agent-connector-fake",
		"aliasArn": "arn:aws:lambda:us-east-1:000000000000:function:ai-agent-connector-fake:live",
		"url":      "https://fake.lambda-url.us-east-1.on.aws/"}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "fake Lambda API on %s (function ai-agent-connector-fake, %s, %d MB)\n\n", api, arch, memory)
	fmt.Fprintf(stdout, "  AWS_ACCESS_KEY_ID=fake AWS_SECRET_ACCESS_KEY=fake go run ./scripts/coldstart --stack aws-dev --outputs %s --endpoint-url %s --api-key %s\n", awsOut, api, apiKey)
	fmt.Fprintf(stdout, "  AWS_ACCESS_KEY_ID=fake AWS_SECRET_ACCESS_KEY=fake go run ./scripts/tune --stack aws-dev --outputs %s --endpoint-url %s --api-key %s --memory 128,512,1024 --arch %s\n", awsOut, api, apiKey, arch)
	if httpPort != 0 {
		var envList []string
		for k, v := range env {
			envList = append(envList, k+"="+v)
		}
		emu, err := loc.Emulator(ctx, lambdaemu.Options{Env: envList})
		if err != nil {
			return err
		}
		defer emu.Stop()
		if err := serve(ctx, httpPort, &lambdaemu.Bridge{Invoker: emu}); err != nil {
			return err
		}
		gcpOut := filepath.Join(out, "gcp-outputs.json")
		if err := writeJSON(gcpOut, map[string]string{"cloud": "gcp", "url": "http://127.0.0.1:" + strconv.Itoa(httpPort)}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  go run ./scripts/coldstart --stack gcp-dev --outputs %s --api-key %s\n", gcpOut, apiKey)
	}
	fmt.Fprintln(stdout, "\nCtrl-C stops everything.")
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
