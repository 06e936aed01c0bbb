package main

// The deployed-stack target: `coldstart --stack NAME` measures a deployed function instead
// of the local emulator. It lives in its own files (stack*.go) and is reached through one
// line at the top of main.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ai-agent-connector/ai-agent-connector/infra/build"
	meas "github.com/ai-agent-connector/ai-agent-connector/internal/measure"
)

type stackFlags struct {
	stack, outputs, url, apiKey, query, endpoint, region, history, local string
	runs, warm                                                           int
	asJSON, noSave                                                       bool
	maxCold, maxWarm, maxDB                                              time.Duration
}

const stackUsage = `Usage: go run ./scripts/coldstart --stack NAME [flags]

Measures the DEPLOYED function of stack NAME (stacks/Pulumi.NAME.yaml) and compares it with
the guide's targets, the previous run of the same stack and the local figures.

  AWS    forces real cold starts as lambda-perf does: sets ` + meas.NonceVar + ` on $LATEST
         (UpdateFunctionConfiguration), waits until LastUpdateStatus is Successful, invokes
         with LogType=Tail and reads Init Duration, Duration, Billed Duration and Max Memory
         Used from the REPORT line; then warm requests and pooled queries. The function's
         environment and memory are restored at the end. Needs AWS credentials allowed
         lambda:GetFunctionConfiguration, lambda:UpdateFunctionConfiguration and
         lambda:InvokeFunction on the function.
  GCP,   time GET /health and POST /v1/query over HTTP, split into DNS, connect, TLS and
  Azure  first byte (as curl -w does). A cold instance cannot be forced over HTTP: the
         report says how to get one on that platform.

Prints a table (or --json), a progress line on stderr; exit 1 when a figure misses its
target, 2 on errors. The run is kept in --history DIR/NAME.json for the next comparison.

Flags:
`

// stackMain runs the deployed-stack target when args hold --stack; handled is false
// otherwise (the local target runs). For a bare --help it adds a pointer to this mode.
func stackMain(args []string, stdout, stderr io.Writer) (code int, handled bool) {
	if !hasFlag(args, "stack") {
		if hasFlag(args, "h") || hasFlag(args, "help") {
			fmt.Fprintln(stderr, "coldstart --stack NAME [--help]: measure a deployed stack (AWS, GCP, Azure) instead of the local emulator.")
		}
		return 0, false
	}
	f, err := parseStackFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0, true
	}
	if err != nil {
		fmt.Fprintln(stderr, "coldstart:", err)
		return 2, true
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := runStack(ctx, f, &meas.Progress{W: stderr})
	if err != nil {
		fmt.Fprintln(stderr, "coldstart:", err)
		return 2, true
	}
	if f.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	} else {
		_ = res.WriteTable(stdout)
	}
	if len(res.Failed()) > 0 {
		return 1, true
	}
	return 0, true
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

func parseStackFlags(args []string, stderr io.Writer) (stackFlags, error) {
	var f stackFlags
	fs := stackFlagSet(&f, stderr)
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if f.stack == "" {
		return f, errors.New("--stack: a stack name is required (one of stacks/Pulumi.*.yaml)")
	}
	if f.runs < 1 || f.warm < 1 {
		return f, fmt.Errorf("--runs (%d) and --warm (%d) must be at least 1", f.runs, f.warm)
	}
	if slices.ContainsFunc([]time.Duration{f.maxCold, f.maxWarm, f.maxDB}, func(d time.Duration) bool { return d <= 0 }) {
		return f, errors.New("--max-cold, --max-warm and --max-db must be positive")
	}
	return f, nil
}

func stackFlagSet(f *stackFlags, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("coldstart --stack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, stackUsage); fs.PrintDefaults() }
	fs.StringVar(&f.stack, "stack", "", "stack name: stacks/Pulumi.NAME.yaml (required)")
	fs.StringVar(&f.outputs, "outputs", "", "stack outputs file from 'pulumi stack output --json -s NAME > FILE'; empty = ask Pulumi through the Automation API (needs the pulumi CLI and a login)")
	fs.StringVar(&f.url, "url", "", "the function's base URL, replacing the \"url\" output; with no --outputs, Pulumi is not asked (GCP/Azure need nothing else; on AWS, without functionName the URL is timed over HTTP and no cold start is forced)")
	fs.IntVar(&f.runs, "runs", 3, "AWS: forced cold starts (each is a configuration update; GCP/Azure measure one first request)")
	fs.IntVar(&f.warm, "warm", 10, "warm requests (and pooled queries) after the cold ones")
	fs.StringVar(&f.apiKey, "api-key", os.Getenv("CONNECTOR_API_KEY"), "bearer key for /v1/query (default $CONNECTOR_API_KEY); empty = no query figures")
	fs.StringVar(&f.query, "query", "SELECT 1", "SQL of the first and pooled query figures")
	fs.BoolVar(&f.asJSON, "json", false, "print JSON instead of a table")
	fs.DurationVar(&f.maxCold, "max-cold", 2*time.Second, "target: cold start p90 (AWS: Init Duration + Duration; GCP/Azure: first request total)")
	fs.DurationVar(&f.maxWarm, "max-warm", 100*time.Millisecond, "target: warm request p90 (AWS: REPORT Duration; GCP/Azure: request written to first byte)")
	fs.DurationVar(&f.maxDB, "max-db", 50*time.Millisecond, "target: pooled /v1/query p90")
	fs.StringVar(&f.endpoint, "endpoint-url", "", "AWS: Lambda API endpoint override (a VPC endpoint, LocalStack, or the fake used in tests)")
	fs.StringVar(&f.region, "region", "", "AWS: region (default: from the aliasArn output, then the SDK's default chain)")
	fs.StringVar(&f.history, "history", ".coldstart", "directory keeping the last run of each stack (NAME.json), relative to the repo root")
	fs.BoolVar(&f.noSave, "no-save", false, "do not keep this run as the stack's previous run")
	fs.StringVar(&f.local, "local", ".coldstart/local.json", "local target figures to compare with (save them with 'go run ./scripts/coldstart --json > FILE'); missing = no comparison")
	return fs
}

func runStack(ctx context.Context, f stackFlags, p *meas.Progress) (*meas.Result, error) {
	defer p.Done()
	root, err := build.FindRepoRoot(".")
	if err != nil {
		return nil, err
	}
	st, err := meas.LoadStack(ctx, root, f.stack, "", f.outputs, f.url)
	if err != nil {
		return nil, err
	}
	hist := rooted(root, f.history)
	prev, err := meas.LoadRun(meas.RunFile(hist, f.stack))
	if err != nil {
		return nil, err
	}
	local, err := meas.LoadLocal(rooted(root, f.local))
	if err != nil {
		return nil, err
	}
	o := meas.RunOptions{Cold: f.runs, Warm: f.warm, APIKey: f.apiKey, Query: f.query,
		Targets: meas.Targets{ColdMs: meas.Ms(f.maxCold), WarmMs: meas.Ms(f.maxWarm), PooledMs: meas.Ms(f.maxDB)}}
	var res *meas.Result
	switch {
	case st.Outputs.Cloud == "aws" && st.Outputs.FunctionName != "":
		l, err := lambdaFor(ctx, st, f.region, f.endpoint)
		if err != nil {
			return nil, err
		}
		s, err := meas.MeasureLambdaSamples(ctx, l, o, p)
		if err != nil {
			return nil, err
		}
		res = meas.LambdaResult(f.stack, l.Function, s, o)
	default:
		s, err := meas.MeasureHTTP(ctx, st.Outputs.URL, o, p)
		if err != nil {
			return nil, err
		}
		res = meas.HTTPResult(f.stack, st.Outputs.Cloud, st.Outputs.URL, s, o)
	}
	res.Compare(prev, local)
	if prev != nil {
		res.Notes = append(res.Notes, "previous run: "+prev.When.Format(time.RFC3339))
	}
	if !f.noSave {
		if err := meas.SaveRun(meas.RunFile(hist, f.stack), res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// lambdaFor makes the Lambda client for a stack's function.
func lambdaFor(ctx context.Context, st *meas.Stack, region, endpoint string) (*meas.Lambda, error) {
	if region == "" {
		region = st.Outputs.Region()
	}
	c, err := meas.NewLambdaClient(ctx, region, endpoint)
	if err != nil {
		return nil, err
	}
	l := &meas.Lambda{Client: c, Function: st.Outputs.FunctionName, Host: meas.HostOf(st.Outputs.URL)}
	if endpoint != "" {
		l.PollMin = 50 * time.Millisecond // a local endpoint updates at once
	}
	return l, nil
}

func rooted(root, p string) string {
	if p == "" || strings.HasPrefix(p, "/") {
		return p
	}
	return root + "/" + p
}
